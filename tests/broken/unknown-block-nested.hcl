# expect: 14:3 unknown block `nodegroup`
# A nested block the cluster does not have: `nodegroup` for `node_group`.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  nodegroup "general" {
    instance_types = ["m6i.2xlarge"]
  }
}
