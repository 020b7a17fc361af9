# expect: 4:1 unknown block `provider`
# A Terraform `provider` block next to the SAKK module: sakk does not run Terraform code.

provider "aws" {
  region = "us-east-2"
}

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["ml.example.com"]
  cert_manager_email = "ops@example.com"
}
