# expect: 18:23 must name a Secrets Manager secret
# An OIDC client secret written in the file instead of the ARN of a Secrets Manager secret.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  identity {
    oidc {
      issuer        = "https://login.example.com"
      client_id     = "kubeflow"
      client_secret = "9f8e7d6c5b4a3928171605f4e3d2c1b0"
    }
  }
}
