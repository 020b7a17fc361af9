# expect: 5:20 sakk reads literal values
# Terraform interpolation, which sakk does not evaluate.

cluster "ml-dev" {
  region         = "${var.region}"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
