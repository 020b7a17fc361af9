# expect: 16:22 no NVIDIA GPU
# `gpu = true` on a node group of CPU instances.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  node_group "training" {
    instance_types = ["m6i.4xlarge"]
    gpu            = true
    max_size       = 4
  }
}
