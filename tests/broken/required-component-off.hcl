# expect: 15:15 cannot be switched off
# Switching off Istio, which Kubeflow needs.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  component "istio" {
    enabled = false
  }
}
