# expect: 5:3 unknown setting `regoin`
# A misspelt key in the native form: `regoin` for `region`.

cluster "ml-dev" {
  regoin         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  admins         = ["arn:aws:iam::123456789012:user/alice"]

  gitops {
    github = "example-org/ml-platform"
  }

  user "ada" {
    email = "ada@example.com"
  }
}
