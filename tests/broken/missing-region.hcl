# expect: 4:1 missing required setting `region`
# No region.

cluster "ml-dev" {
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
