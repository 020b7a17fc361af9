# expect: 15:15 has no version of its own to override
# A version for a component that follows the Kubeflow release (it has no images of its own).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  component "kubeflow-base" {
    version = "26.04"
  }
}
