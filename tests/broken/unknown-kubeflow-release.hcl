# expect: 15:15 is not a Kubeflow release
# A Kubeflow release sakk cannot install.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  kubeflow {
    release = "1.7.0"
  }
}
