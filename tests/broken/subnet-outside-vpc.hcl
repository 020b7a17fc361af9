# expect: 16:57 is not inside the VPC
# A private subnet outside the VPC.

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
    private_subnets = ["10.10.0.0/19", "10.10.32.0/19", "10.20.64.0/19"]
  }
}
