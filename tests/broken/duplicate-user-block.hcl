# expect: 18:8 is defined more than once
# Two native `user` blocks with the same name.

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

  user "ada" {
    email = "ada.lovelace@example.com"
  }
}
