# expect: 9:3 is set more than once
# The same setting twice.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  region         = "eu-west-2"

  gitops {
    github = "example-org/ml-platform"
  }
}
