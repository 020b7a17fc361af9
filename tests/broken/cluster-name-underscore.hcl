# expect: 4:9 is not a valid cluster name
# A cluster name with `_`: names become S3 buckets and DNS labels.

cluster "ml_dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
