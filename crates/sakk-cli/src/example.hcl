# The sakk demo cluster: a small production-shaped Kubeflow platform.
# `sakk demo` uses it with a local git remote and local state; no AWS account is needed to see
# the plan and the rendered platform.

cluster "demo" {
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "platform@example.com"
  admins         = ["arn:aws:iam::123456789012:role/platform-admins"]

  gitops {
    url    = "file:///srv/git/platform.git"
    branch = "main"
    path   = "clusters/demo"
  }

  node_group "general" {
    instance_types = ["m6i.2xlarge"]
    min_size       = 2
    max_size       = 5
  }

  node_group "gpu" {
    instance_types = ["g5.xlarge", "g5.2xlarge"]
    capacity_type  = "spot"
    max_size       = 4
  }

  group "ml-admins" {
    argocd_role = "admin"
  }

  user "ada" {
    email  = "ada@example.com"
    groups = ["ml-admins"]
  }

  user "grace" {
    email = "grace@example.com"
  }

  team "vision" {
    owner   = "ada@example.com"
    members = { "grace@example.com" = "edit" }

    quota {
      cpu    = "32"
      memory = "128Gi"
      gpu    = 4
    }
  }
}
