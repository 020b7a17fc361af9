# expect: 14:3 has no `bucket`
# An S3 state backend without its bucket.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  backend "s3" {
    key    = "clusters/ml-dev/state.json"
    region = "eu-west-1"
  }
}
