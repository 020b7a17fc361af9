# examples/five-teams/cluster.hcl with every block in reverse order: must render the same tree.

cluster "teams" {
  region         = "eu-west-1"
  domains        = ["ai.example.com", "ai.example.eu"]
  parent_zone_id = "Z2222222222222222222B"
  acme_email     = "platform@example.com"
  admins         = ["arn:aws:iam::123456789012:role/platform-admins", "arn:aws:iam::123456789012:user/ada"]

  gitops {
    github = "example-org/ai-platform"
  }

  component "model-registry" {
    enabled = true
  }

  component "katib" {
    version = "v0.19.1"
  }

  user "alan" {
    email   = "alan@example.com"
    profile = false
  }

  user "margaret" {
    email   = "margaret@example.com"
    profile = false
  }

  user "linus" {
    email   = "linus@example.com"
    profile = false
  }

  user "grace" {
    email   = "grace@example.com"
    profile = false
  }

  user "ada" {
    email   = "ada@example.com"
    profile = false
  }

  team "research" {
    owner = "linus@example.com"

    quota {
      gpu = 8
    }
  }

  team "recsys" {
    owner = "alan@example.com"
    members = { "ada@example.com" = "edit", "grace@example.com" = "edit", "linus@example.com" = "view" }

    quota {
      cpu = "16"
      memory = "64Gi"
    }

    aws_policies = ["arn:aws:iam::123456789012:policy/recsys-data-read"]
  }

  team "forecasting" {
    owner = "margaret@example.com"
    members = { "alan@example.com" = "edit" }

    aws_policies = ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]
  }

  team "nlp" {
    owner = "grace@example.com"
    members = { "ada@example.com" = "view", "margaret@example.com" = "edit" }

    quota {
      cpu = "64"
      memory = "256Gi"
      storage = "2Ti"
    }
  }

  team "vision" {
    owner = "ada@example.com"
    members = { "grace@example.com" = "edit", "linus@example.com" = "view" }

    quota {
      cpu = "32"
      memory = "128Gi"
      gpu    = 4
    }
  }
}
