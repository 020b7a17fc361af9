# The SAKK quick-start example (examples/sakk-simple) in sakk's native form: `sakk show` prints
# the same model for both.

cluster "simple" {
  region             = "us-east-2"
  availability_zones = ["us-east-2a", "us-east-2b"]
  domains            = ["sandbox.some.domain.local"]
  parent_zone_id     = "Z0123456789ABCDEFGHIJ"
  acme_email         = "info@some.domain.local"
  admins             = ["arn:aws:iam::123456789012:user/alice"]

  gitops {
    github = "github-repo-owner/github-repo-name"
    branch = "branch-name"
    path   = "examples/simple/argocd-applications"
  }

  group "masters" {}

  user "qa" {
    email  = "qa@some.domain.local"
    groups = ["masters"]
  }

  user "developer" {
    email = "developer@some.domain.local"
  }

  backend "s3" {
    bucket         = "bucket-with-terraform-states"
    key            = "some-key/kubeflow-sandbox"
    region         = "us-east-2"
    dynamodb_table = "dynamodb-table-for-locks"
  }
}
