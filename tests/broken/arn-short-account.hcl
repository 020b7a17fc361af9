# expect: 9:21 not an IAM user or role ARN
# An admin ARN whose account ID has 10 digits instead of 12.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  admins         = ["arn:aws:iam::1234567890:user/alice"]

  gitops {
    github = "example-org/ml-platform"
  }
}
