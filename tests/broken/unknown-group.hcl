# expect: 20:15 group `ml-admin` does not exist
# A user in a group nobody declared (a typo of `ml-admins`).

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  group "ml-admins" {
    argocd_role = "admin"
  }

  user "ada" {
    email  = "ada@example.com"
    groups = ["ml-admin"]
  }
}
