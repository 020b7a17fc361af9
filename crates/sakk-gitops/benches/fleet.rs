//! A fleet of example clusters for the render benchmark and the memory measurement: the demo
//! cluster under 1,000 different names, each with a team, resolved into models once.

use sakk_model::Model;

/// `count` models, each a distinct cluster.
pub fn fleet(count: usize) -> Vec<Model> {
    let inputs: Vec<sakk_config::Input> = (0..count)
        .map(|index| sakk_config::Input {
            name: format!("cluster-{index}.hcl"),
            bytes: format!(
                r#"cluster "c{index:04}" {{
  region         = "eu-west-1"
  domains        = ["c{index:04}.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "ops@example.com"
  gitops {{
    github = "example-org/fleet"
    path   = "clusters/c{index:04}"
  }}
  node_group "gpu" {{
    instance_types = ["g5.xlarge"]
    capacity_type  = "spot"
  }}
  user "ada" {{
    email = "ada@example.com"
  }}
  user "grace" {{
    email = "grace@example.com"
  }}
  team "vision" {{
    owner   = "ada@example.com"
    members = {{ "grace@example.com" = "edit" }}
    quota {{
      cpu = "32"
    }}
  }}
}}
"#
            )
            .into_bytes(),
            dir: ".".to_owned(),
        })
        .collect();
    let loaded = sakk_config::load(&inputs);
    let validated = sakk_model::validate(&loaded.clusters);
    assert!(
        !validated.diagnostics.has_errors(),
        "{:?}",
        validated.diagnostics
    );
    validated.models
}
