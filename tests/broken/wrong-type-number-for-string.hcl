# expect: 7:20 expected a string
# `parent_zone_id` is a string, written here as a number.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = 123456789
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
