# expect: 14:13 is not a component
# A component sakk does not know (a typo of `pipelines`).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  component "pipeline" {
    enabled = false
  }
}
