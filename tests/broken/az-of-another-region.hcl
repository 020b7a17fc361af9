# expect: 6:53 is in eu-central-1, not in eu-west-1
# An availability zone of another region.

cluster "ml-dev" {
  region             = "eu-west-1"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-central-1c"]
  domains            = ["ml.example.com"]
  parent_zone_id     = "Z0123456789ABCDEFGHIJ"
  acme_email         = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
