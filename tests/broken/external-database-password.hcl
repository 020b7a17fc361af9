# expect: 17:23 must name a Secrets Manager secret
# An external database password written in the file instead of the ARN of its secret.

cluster "ml-dev" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"

  gitops {
    github = "example-org/ml-platform"
  }

  database "external" {
    host            = "mysql.example.com"
    username        = "kubeflow"
    password_secret = "correct-horse-battery-staple"
  }
}
