# expect: 8:20 not an e-mail address
# The Let's Encrypt e-mail without an `@`.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops.example.com"

  gitops {
    github = "example-org/ml-platform"
  }
}
