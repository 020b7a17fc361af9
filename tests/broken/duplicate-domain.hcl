# expect: 6:39 is listed twice
# The same domain twice (domains are compared without case or final dot).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com", "ML.example.com."]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
