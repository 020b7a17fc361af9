# expect: 21:18 user `qa` is defined twice
# Two SAKK Cognito users with the same user name.

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
      email    = "qa-lead@example.com"
      username = "qa"
    }
  ]
}
