# expect: 18:22 is larger than `max_size`
# A node group whose desired size is above its maximum.

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
    min_size       = 2
    desired_size   = 8
    max_size       = 5
  }
}
