# expect: 20:18 not an e-mail address
# A SAKK Cognito user whose e-mail has no domain.

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["ml.example.com"]
  cert_manager_email = "ops@example.com"

  cognito_users = [
    {
      email    = "qa@example.com"
      username = "qa"
    },
    {
      email    = "developer@"
      username = "developer"
    }
  ]
}
