# expect: 6:21 is not a domain name
# A domain with an underscore.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml_platform.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
