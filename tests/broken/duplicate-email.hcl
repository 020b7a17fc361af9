# expect: 19:13 belongs to two users
# Two users with the same e-mail (e-mails are compared without case).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  user "ada" {
    email = "ada@example.com"
  }

  user "grace" {
    email = "Ada@Example.com"
  }
}
