# expect: 6:20 expected a list
# `domains` is a list of strings, written here as a single string.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = "ml.example.com"
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
