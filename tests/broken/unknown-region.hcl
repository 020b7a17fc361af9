# expect: 5:20 is not an AWS region
# A region that does not exist (`eu-west-5`).

cluster "ml-dev" {
  region         = "eu-west-5"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
