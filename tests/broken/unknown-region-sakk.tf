# expect: 13:24 is not an AWS region
# A SAKK `aws_region` with a typo.

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["ml.example.com"]
  cert_manager_email = "ops@example.com"
  aws_region         = "us-east2"
}
