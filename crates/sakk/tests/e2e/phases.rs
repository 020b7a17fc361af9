//! EKS resources that fail or degrade, scripted by the proxy (add-ons are served by it; moto's
//! clusters and node groups are reported in the scripted status): what `sakk apply` prints and
//! exits with, what `sakk plan` says, and that the next apply converges once the fault is
//! lifted. And a replaced cluster: a new OIDC issuer, which every IRSA trust follows.

use crate::harness::{Env, text};
use sakk_testkit::fake::{EksKind, Script};
use std::process::Output;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `sakk plan --detailed-exitcode`, expecting `code`.
fn plan(env: &Env, code: i32) -> Output {
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(code), "{}", text(&output));
    output
}

/// Lifts the script; the next apply succeeds and the plan after it is empty, with no warning.
fn lift_and_converge(env: &Env, kind: EksKind, name: &str) {
    env.proxy.lift(kind, name);
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let output = plan(env, 0);
    assert!(!stdout(&output).contains("Warnings"), "{}", text(&output));
}

/// A creation that fails: apply exits 1 naming AWS's issue; the plan replaces it; lifted, the
/// replace converges.
fn create_failed_is_replaced(kind: EksKind, name: &str, address: &str, status: &str) {
    let env = Env::start();
    env.prepare("simple");
    env.proxy.script(kind, name, Script::CreateFailed);
    let output = env.sakk(&["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let printed = stderr(&output);
    assert!(
        printed.contains(&format!("{address}: failed: {address}: EKS reports"))
            && printed.contains(&format!("{status} ("))
            && printed.contains("the next `sakk plan` replaces it")
            && printed.contains("step(s) failed"),
        "{}",
        text(&output)
    );
    let output = plan(&env, 2);
    let planned = stdout(&output);
    assert!(
        planned.contains(&format!("-/+ {address}"))
            && planned.contains(&format!("replace, AWS reports it failed: {status} (")),
        "{}",
        text(&output)
    );
    lift_and_converge(&env, kind, name);
}

#[test]
fn an_addon_that_fails_to_create_is_replaced_on_moto() {
    create_failed_is_replaced(
        EksKind::Addon,
        "coredns",
        "eks_addon.coredns",
        "CREATE_FAILED",
    );
}

#[test]
fn a_cluster_that_fails_to_create_is_replaced_on_moto() {
    create_failed_is_replaced(EksKind::Cluster, "simple", "eks_cluster.main", "FAILED");
}

#[test]
fn a_degraded_node_group_warns_and_the_apply_succeeds_on_moto() {
    let env = Env::start();
    env.prepare("simple");
    env.proxy
        .script(EksKind::NodeGroup, "general", Script::Degraded);
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr(&output).contains(
            "eks_node_group.general: warning: EKS reports the node group DEGRADED (InsufficientFreeAddresses"
        ),
        "{}",
        text(&output)
    );
    let output = plan(&env, 0);
    let planned = stdout(&output);
    assert!(
        planned.contains("Warnings:")
            && planned.contains("! eks_node_group.general (general): AWS reports DEGRADED")
            && planned.contains("No changes"),
        "{}",
        text(&output)
    );
    lift_and_converge(&env, EksKind::NodeGroup, "general");
}

/// The issuer host the state recorded for the cluster.
fn issuer_host(env: &Env) -> String {
    let output = env.sakk(&["state", "show", "eks_cluster.main"]);
    assert!(output.status.success(), "{}", text(&output));
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    shown
        .pointer("/attributes/oidc_issuer_host")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_else(|| panic!("no issuer in {shown:#}"))
        .to_owned()
}

/// The OIDC provider and every role trusting one name `host` (read in moto directly).
fn trusts_follow(env: &Env, host: &str) {
    let cloud = &env.cloud;
    let providers = env
        .runtime
        .block_on(cloud.iam.oidc_providers())
        .expect("providers");
    assert_eq!(providers.len(), 1, "{providers:?}");
    let provider = env
        .runtime
        .block_on(cloud.iam.oidc_provider(&providers[0]))
        .expect("provider");
    assert_eq!(provider.url, host);
    let roles = env.runtime.block_on(cloud.iam.roles()).expect("roles");
    let mut trusting = 0;
    for role in roles
        .iter()
        .filter(|role| role.trust_policy.contains("oidc-provider/"))
    {
        trusting += 1;
        let trust: serde_json::Value =
            serde_json::from_str(&role.trust_policy).expect("trust policy JSON");
        let statement = &trust["Statement"][0];
        let keys: Vec<&String> = statement["Condition"]["StringEquals"]
            .as_object()
            .map(|map| map.keys().collect())
            .unwrap_or_default();
        assert!(
            statement["Principal"]["Federated"] == provider.arn.as_str()
                && keys.len() == 2
                && keys.iter().all(|key| key.starts_with(&format!("{host}:"))),
            "{} does not trust {host}: {}",
            role.name,
            role.trust_policy
        );
    }
    assert_eq!(trusting, 7, "every service-account role trusts the issuer");
}

#[test]
fn a_replaced_cluster_moves_every_trust_to_its_new_issuer_on_moto() {
    let env = Env::start();
    env.prepare("simple");
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let first = issuer_host(&env);
    trusts_follow(&env, &first);
    // An immutable field: a third zone changes the cluster's subnets.
    let path = env.dir.path().join("cluster.hcl");
    let file = std::fs::read_to_string(&path).expect("cluster file");
    let zones = r#"availability_zones = ["us-east-2a", "us-east-2b"]"#;
    assert!(file.contains(zones), "{file}");
    std::fs::write(
        &path,
        file.replace(
            zones,
            r#"availability_zones = ["us-east-2a", "us-east-2b", "us-east-2c"]"#,
        ),
    )
    .expect("cluster file");
    let output = plan(&env, 2);
    assert!(
        stdout(&output).contains("-/+ eks_cluster.main")
            && stdout(&output).contains("-/+ iam_oidc_provider.main"),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let second = issuer_host(&env);
    assert_ne!(first, second, "EKS gives a re-created cluster a new issuer");
    trusts_follow(&env, &second);
    plan(&env, 0);
}
