# expect: 9:35 was not replaced
# A placeholder copied from documentation and never filled in.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  admins         = ["arn:aws:iam::<account-id>:role/platform-admins"]

  gitops {
    github = "example-org/ml-platform"
  }
}
