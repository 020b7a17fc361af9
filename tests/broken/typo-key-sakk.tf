# expect: 12:3 unknown setting `cert_manager_emial`
# A misspelt key in the SAKK form: `cert_manager_emial` for `cert_manager_email`.

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["ml.example.com"]
  cert_manager_emial = "ops@example.com"

  admin_arns = [
    {
      userarn  = "arn:aws:iam::123456789012:user/alice"
      username = "alice"
      groups   = ["system:masters"]
    }
  ]

  cognito_users = [
    {
      email    = "qa@example.com"
      username = "qa"
    }
  ]
}
