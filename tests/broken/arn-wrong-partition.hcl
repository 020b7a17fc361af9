# expect: 9:21 not an IAM user or role ARN
# An admin ARN in the China partition for a cluster in eu-west-1.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  admins         = ["arn:aws-cn:iam::123456789012:user/alice"]

  gitops {
    github = "example-org/ml-platform"
  }
}
