# expect: 11:42 expected `]`
# Two list elements without a comma between them.

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["ml.example.com" "ml.example.org"]
  cert_manager_email = "ops@example.com"
}
