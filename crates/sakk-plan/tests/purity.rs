//! sakk-plan is pure: no async runtime, no HTTP, no AWS SDK anywhere in its dependencies, so
//! `cargo test -p sakk-plan` never compiles the SDK and planning stays deterministic.

use std::collections::{BTreeMap, BTreeSet};

#[test]
fn no_runtime_http_or_sdk_among_the_dependencies() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("metadata");
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        if let (Some(id), Some(name)) = (package["id"].as_str(), package["name"].as_str()) {
            names.insert(id.to_owned(), name.to_owned());
        }
    }
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = node["id"].as_str().unwrap_or_default().to_owned();
        let normal: Vec<String> = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|dependency| {
                dependency["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|kind| kind["kind"].is_null())
            })
            .filter_map(|dependency| dependency["pkg"].as_str().map(str::to_owned))
            .collect();
        edges.insert(id, normal);
    }
    let root = names
        .iter()
        .find(|(_, name)| name.as_str() == "sakk-plan")
        .map(|(id, _)| id.clone())
        .expect("sakk-plan in the metadata");
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone()) {
            stack.extend(edges.get(&id).cloned().unwrap_or_default());
        }
    }
    let forbidden: Vec<&String> = seen
        .iter()
        .filter_map(|id| names.get(id))
        .filter(|name| {
            ["tokio", "hyper", "reqwest", "async-trait"].contains(&name.as_str())
                || name.starts_with("aws-")
        })
        .collect();
    assert!(forbidden.is_empty(), "sakk-plan depends on {forbidden:?}");
}
