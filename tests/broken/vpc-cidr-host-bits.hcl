# expect: 15:16 is not a CIDR block
# A VPC CIDR with host bits set (10.10.0.1/16 for 10.10.0.0/16).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  network {
    vpc_cidr = "10.10.0.1/16"
  }
}
