# expect: 17:22 is larger than `desired_size`
# A node group whose minimum is above its desired size.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  node_group "general" {
    instance_types = ["m6i.2xlarge"]
    min_size       = 4
    desired_size   = 2
    max_size       = 6
  }
}
