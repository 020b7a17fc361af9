//! How long reading and validating cluster files takes: 1,000 distinct, realistic cluster files
//! (both forms; node groups, GPU groups, users, groups, teams, components, backends), each
//! checked on its own as `sakk validate FILE` would, and all of them at once as one fleet.
//!
//! `cargo bench -p sakk-model --bench check` (target: the 1,000 files in under 1 s in total).

use criterion::{Criterion, criterion_group, criterion_main};
use sakk_config::Input;
use std::fmt::Write;
use std::hint::black_box;

const FILES: usize = 1_000;

const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "abcdef"),
    ("us-east-2", "abc"),
    ("us-west-2", "abcd"),
    ("eu-west-1", "abc"),
    ("eu-central-1", "abc"),
    ("ap-southeast-2", "abc"),
];

/// The native form of cluster `index`.
fn native(index: usize) -> String {
    let (region, zones) = REGIONS[index % REGIONS.len()];
    let zone_count = 2 + index % 2;
    let zones: Vec<String> = zones
        .chars()
        .take(zone_count)
        .map(|letter| format!("\"{region}{letter}\""))
        .collect();
    let mut text = format!(
        "# Cluster {index}: generated for the benchmark.\n\
         cluster \"c{index}\" {{\n\
         \x20 region             = \"{region}\"\n\
         \x20 availability_zones = [{zones}]\n\
         \x20 domains            = [\"c{index}.ml.example.com\"]\n\
         \x20 parent_zone_id     = \"Z0123456789ABCDEFGHIJ\"\n\
         \x20 acme_email         = \"ops+{index}@example.com\"\n\
         \x20 admins             = [\"arn:aws:iam::123456789012:role/platform-{index}\"]\n\
         \x20 tags               = {{ team = \"ml\", cost-center = \"cc-{index}\" }}\n\n\
         \x20 network {{\n\
         \x20   vpc_cidr = \"10.{octet}.0.0/16\"\n\
         \x20 }}\n\n\
         \x20 gitops {{\n\
         \x20   github = \"example-org/ml-platform\"\n\
         \x20   path   = \"clusters/c{index}\"\n\
         \x20 }}\n",
        zones = zones.join(", "),
        octet = index % 250,
    );
    let _ = write!(
        text,
        "\n  node_group \"general\" {{\n\
         \x20   instance_types = [\"m6i.2xlarge\", \"m6a.2xlarge\"]\n\
         \x20   min_size       = 2\n\
         \x20   max_size       = {}\n\
         \x20   labels         = {{ workload = \"general\" }}\n\
         \x20 }}\n",
        5 + index % 10
    );
    if index.is_multiple_of(3) {
        text.push_str(
            "\n  node_group \"gpu\" {\n\
             \x20   instance_types = [\"g5.xlarge\", \"g5.2xlarge\"]\n\
             \x20   capacity_type  = \"spot\"\n\
             \x20   max_size       = 4\n\
             \x20 }\n",
        );
    }
    if index.is_multiple_of(4) {
        text.push_str(
            "\n  node_group \"batch\" {\n\
             \x20   instance_types = [\"c7g.4xlarge\", \"c6g.4xlarge\"]\n\
             \x20   capacity_type  = \"spot\"\n\
             \x20   taints         = [\"batch=true:NoSchedule\"]\n\
             \x20 }\n",
        );
    }
    text.push_str("\n  group \"ml-admins\" {\n    argocd_role = \"admin\"\n  }\n");
    let users = 2 + index % 7;
    for user in 0..users {
        let groups = if user == 0 {
            "[\"ml-admins\"]"
        } else {
            "[\"read-only\"]"
        };
        let _ = write!(
            text,
            "\n  user \"user{user}\" {{\n    email  = \"user{user}.c{index}@example.com\"\n    groups = {groups}\n  }}\n"
        );
    }
    for team in 0..index % 4 {
        let _ = write!(
            text,
            "\n  team \"team{team}\" {{\n\
             \x20   owner        = \"user0.c{index}@example.com\"\n\
             \x20   members      = {{ \"user1.c{index}@example.com\" = \"edit\" }}\n\
             \x20   aws_policies = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n\n\
             \x20   quota {{\n      cpu    = \"32\"\n      memory = \"128Gi\"\n      gpu    = 2\n    }}\n\
             \x20 }}\n"
        );
    }
    if index.is_multiple_of(5) {
        text.push_str("\n  component \"model-registry\" {\n    enabled = true\n  }\n");
    }
    if index.is_multiple_of(7) {
        text.push_str("\n  kubeflow {\n    release = \"v1.10.2\"\n  }\n");
    }
    if index.is_multiple_of(2) {
        let _ = write!(
            text,
            "\n  backend \"s3\" {{\n    bucket         = \"sakk-states\"\n    key            = \"c{index}/state.json\"\n    dynamodb_table = \"sakk-locks\"\n  }}\n"
        );
    }
    text.push_str("}\n");
    text
}

/// The SAKK form (`main.tf` and `backend.hcl`) of cluster `index`.
fn sakk_form(index: usize) -> (String, String) {
    let (region, _) = REGIONS[index % REGIONS.len()];
    let mut users = String::new();
    for user in 0..2 + index % 5 {
        let group = if user == 0 {
            "\n      group    = \"masters\""
        } else {
            ""
        };
        let _ = write!(
            users,
            "    {{\n      email    = \"user{user}.s{index}@example.com\"\n      username = \"user{user}\"{group}\n    }},\n"
        );
    }
    let main = format!(
        "terraform {{\n  backend s3 {{}}\n}}\n\n\
         module \"sak_kubeflow\" {{\n\
         \x20 source = \"git::https://github.com/provectus/sak-kubeflow.git?ref=init\"\n\n\
         \x20 cluster_name = \"s{index}\"\n\
         \x20 aws_region   = \"{region}\"\n\
         \x20 owner        = \"example-org\"\n\
         \x20 repository   = \"ml-platform\"\n\
         \x20 branch       = \"main\"\n\
         \x20 mainzoneid   = \"Z0123456789ABCDEFGHIJ\"\n\
         \x20 domains      = [\"s{index}.ml.example.com\"]\n\
         \x20 admin_arns = [\n\
         \x20   {{\n\
         \x20     userarn  = \"arn:aws:iam::123456789012:user/admin{index}\"\n\
         \x20     username = \"admin{index}\"\n\
         \x20     groups   = [\"system:masters\"]\n\
         \x20   }}\n\
         \x20 ]\n\
         \x20 cert_manager_email = \"ops+s{index}@example.com\"\n\
         \x20 cognito_users = [\n{users}  ]\n\
         \x20 argo_path_prefix = \"clusters/s{index}/\"\n\
         \x20 argo_apps_dir    = \"apps\"\n\
         }}\n"
    );
    let backend = format!(
        "bucket         = \"sakk-states\"\nkey            = \"sakk/s{index}\"\nregion         = \"{region}\"\ndynamodb_table = \"sakk-locks\"\n"
    );
    (main, backend)
}

/// The inputs of cluster `index`, as `sakk validate` reads them from its directory.
fn cluster(index: usize) -> Vec<Input> {
    let dir = format!("clusters/{index}");
    if index % 4 == 3 {
        let (main, backend) = sakk_form(index);
        vec![
            Input {
                name: format!("{dir}/main.tf"),
                bytes: main.into_bytes(),
                dir: dir.clone(),
            },
            Input {
                name: format!("{dir}/backend.hcl"),
                bytes: backend.into_bytes(),
                dir,
            },
        ]
    } else {
        vec![Input {
            name: format!("{dir}/cluster.hcl"),
            bytes: native(index).into_bytes(),
            dir,
        }]
    }
}

fn bench(criterion: &mut Criterion) {
    let clusters: Vec<Vec<Input>> = (0..FILES).map(cluster).collect();
    // Measure the real path: every generated cluster must be valid.
    for inputs in &clusters {
        let checked = sakk_model::check(inputs);
        assert!(
            !checked.diagnostics.has_errors(),
            "{}: {:?}",
            inputs[0].name,
            checked.diagnostics
        );
        assert_eq!(checked.models.len(), 1);
    }
    let fleet: Vec<Input> = clusters.iter().flatten().cloned().collect();
    let checked = sakk_model::check(&fleet);
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics
    );
    assert_eq!(checked.models.len(), FILES);

    let mut group = criterion.benchmark_group("check");
    group.sample_size(20);
    group.bench_function("1000 cluster files, one at a time", |bencher| {
        bencher.iter(|| {
            for inputs in &clusters {
                black_box(sakk_model::check(black_box(inputs)));
            }
        });
    });
    group.bench_function("1000 cluster files as one fleet", |bencher| {
        bencher.iter(|| black_box(sakk_model::check(black_box(&fleet))));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
