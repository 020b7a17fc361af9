# GPU and spot capacity: an on-demand system group, a spot CPU group and a spot GPU group
# (NVIDIA AMI, tainted; the device plugin tolerates the taint), the Cluster Autoscaler scaling
# them from zero.

cluster "gpu-lab" {
  region         = "us-west-2"
  domains        = ["gpu.example.org"]
  parent_zone_id = "Z0987654321ZYXWVUTSRQ"
  acme_email     = "ml-ops@example.org"
  admins         = ["arn:aws:iam::210987654321:role/ml-ops"]

  gitops {
    github = "example-org/gpu-platform"
    path   = "clusters/gpu-lab"
  }

  node_group "system" {
    instance_types = ["m6i.xlarge"]
    min_size       = 2
    max_size       = 3
  }

  node_group "cpu-spot" {
    instance_types = ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"]
    capacity_type  = "spot"
    min_size       = 0
    max_size       = 10
  }

  node_group "gpu-spot" {
    instance_types = ["g5.2xlarge", "g5.4xlarge"]
    capacity_type  = "spot"
    min_size       = 0
    max_size       = 4
  }

  user "lin" {
    email = "lin@example.org"
  }
}
