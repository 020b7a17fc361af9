# expect: 4:1 is set outside of any block
# A setting written before the cluster block instead of inside it.

region = "eu-west-1"

cluster "ml-dev" {
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
