# expect: 18:8 is not a free namespace
# A team named after a platform namespace.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  user "ada" {
    email = "ada@example.com"
  }

  team "kubeflow" {
    owner = "ada@example.com"
  }
}
