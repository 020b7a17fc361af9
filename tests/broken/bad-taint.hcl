# expect: 16:23 is not a taint
# A taint with an effect Kubernetes does not know.

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
    taints         = ["dedicated=ml:NoScheduling"]
  }
}
