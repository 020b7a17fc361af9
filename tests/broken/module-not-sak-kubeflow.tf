# expect: 5:12 is not sak-kubeflow
# A module that is not sak-kubeflow: sakk reads only that one.

module "eks" {
  source = "terraform-aws-modules/eks/aws"

  cluster_name = "simple"
}
