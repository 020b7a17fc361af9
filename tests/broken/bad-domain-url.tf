# expect: 11:25 is not a domain name
# A SAKK domain written as a URL.

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["https://ml.example.com"]
  cert_manager_email = "ops@example.com"
}
