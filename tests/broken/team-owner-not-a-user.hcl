# expect: 19:13 no user has the e-mail
# A team owned by an e-mail that no user has (a typo of ada@example.com).

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

  team "vision" {
    owner = "adda@example.com"
  }
}
