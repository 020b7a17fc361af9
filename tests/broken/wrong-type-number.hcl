# expect: 12:22 is not a whole number
# `max_size` is a whole number, written here as a fraction.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  node_group "general" {
    instance_types = ["m6i.2xlarge"]
    max_size       = 2.5
  }

  gitops {
    github = "example-org/ml-platform"
  }
}
