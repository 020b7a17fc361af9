# expect: 24:47 is the owner and a member
# A team owner also listed among its members.

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
    email = "grace@example.com"
  }

  team "vision" {
    owner   = "ada@example.com"
    members = { "grace@example.com" = "edit", "ada@example.com" = "view" }
  }
}
