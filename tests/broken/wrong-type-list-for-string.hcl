# expect: 8:20 expected a string
# `acme_email` is one string, written here as a list.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = ["ops@example.com"]

  gitops {
    github = "example-org/ml-platform"
  }
}
