# expect: 14:24 is not a supported Kubernetes version
# A Kubernetes version the default Kubeflow release does not support.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  kubernetes_version = "1.29"
}
