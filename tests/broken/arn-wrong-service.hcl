# expect: 9:21 not an IAM user or role ARN
# An admin ARN of an S3 bucket instead of an IAM user or role.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  admins         = ["arn:aws:s3:::ml-platform-admins"]

  gitops {
    github = "example-org/ml-platform"
  }
}
