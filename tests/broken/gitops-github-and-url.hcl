# expect: 12:14 either `github` or `url`
# The GitOps repository given twice: as `github` and as `url`.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
    url    = "https://git.example.com/ml/platform.git"
  }
}
