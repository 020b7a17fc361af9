# expect: 16:35 is not a Kubernetes label value
# A label value with a space.

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
    labels         = { workload = "machine learning" }
  }
}
