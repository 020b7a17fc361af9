# An external OIDC provider instead of Cognito, and Pipelines on an RDS MySQL instance that
# sakk creates (its password in Secrets Manager), on the previous Kubeflow release.

cluster "ml-prod" {
  region         = "eu-central-1"
  domains        = ["ml.corp.example.net"]
  parent_zone_id = "Z1111111111111111111A"
  acme_email     = "platform@corp.example.net"
  admins         = ["arn:aws:iam::123456789012:role/platform-admins"]

  gitops {
    url    = "https://git.corp.example.net/platform/kubeflow.git"
    branch = "production"
    path   = "eks/ml-prod"
  }

  identity {
    oidc {
      issuer        = "https://login.corp.example.net"
      client_id     = "kubeflow"
      client_secret = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:kubeflow-oidc-AbCdEf"
      groups_claim  = "roles"
    }
  }

  kubeflow {
    release = "v1.10.2"
  }

  database "rds" {
    instance_class = "db.r6g.large"
    multi_az       = true
  }

  group "platform" {
    argocd_role = "admin"
  }

  user "ops" {
    email   = "ops@corp.example.net"
    groups  = ["platform"]
    profile = false
  }
}
