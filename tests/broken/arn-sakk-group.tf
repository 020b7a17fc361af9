# expect: 16:18 not an IAM user or role ARN
# A SAKK admin_arns entry naming an IAM group, which EKS access entries cannot hold.

module "sak_kubeflow" {
  source = "git::https://github.com/provectus/sak-kubeflow.git?ref=init"

  cluster_name       = "simple"
  owner              = "example-org"
  repository         = "ml-platform"
  mainzoneid         = "Z0123456789ABCDEFGHIJ"
  domains            = ["ml.example.com"]
  cert_manager_email = "ops@example.com"

  admin_arns = [
    {
      userarn  = "arn:aws:iam::123456789012:group/admins"
      username = "admins"
      groups   = ["system:masters"]
    }
  ]
}
