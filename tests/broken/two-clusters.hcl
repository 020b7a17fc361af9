# expect: 15:1 this is the second one
# Two clusters in one file: a file defines one cluster.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["dev.ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}

cluster "ml-prod" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
