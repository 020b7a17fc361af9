# expect: 15:22 GPU and non-GPU
# GPU and CPU instance types mixed in one node group.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  node_group "training" {
    instance_types = ["g5.xlarge", "m6i.xlarge"]
    max_size       = 4
  }
}
