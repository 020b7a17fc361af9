# expect: 6:24 at least two availability zones
# One availability zone: EKS needs subnets in two or more.

cluster "ml-dev" {
  region             = "eu-west-1"
  availability_zones = ["eu-west-1a"]
  domains            = ["ml.example.com"]
  parent_zone_id     = "Z0123456789ABCDEFGHIJ"
  acme_email         = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
