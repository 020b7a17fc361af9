# expect: 16:22 is not a capacity type
# A capacity type that does not exist (`spot-instances`).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  node_group "batch" {
    instance_types = ["m6i.2xlarge", "m6a.2xlarge"]
    capacity_type  = "spot-instances"
  }
}
