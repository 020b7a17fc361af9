# expect: 9:20 expected `true` or `false`
# `private_dns` is a boolean, written here as `yes`.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  private_dns    = "yes"

  gitops {
    github = "example-org/ml-platform"
  }
}
