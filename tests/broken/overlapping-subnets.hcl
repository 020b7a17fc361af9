# expect: 16:40 overlaps
# Two private subnets that overlap.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  network {
    vpc_cidr        = "10.10.0.0/16"
    private_subnets = ["10.10.0.0/19", "10.10.16.0/20", "10.10.64.0/19"]
  }
}
