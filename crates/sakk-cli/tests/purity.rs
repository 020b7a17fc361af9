//! Pure crates stay pure: a crate whose `Cargo.toml` says
//!
//! ```toml
//! [package.metadata.sakk]
//! pure = true
//! ```
//!
//! must not depend on tokio, hyper, reqwest or any `aws-*` crate, directly or through other
//! crates (normal and build dependencies; dev-dependencies may). The test reads the resolved
//! dependency graph of the host platform from `cargo metadata`, so a future pure crate is
//! covered by adding the flag.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Crates that must be marked pure: removing the flag must not silently skip them.
const KNOWN_PURE: &[&str] = &[
    "sakk-core",
    "sakk-config",
    "sakk-model",
    "sakk-plan",
    "sakk-gitops",
];

fn forbidden(name: &str) -> bool {
    matches!(name, "tokio" | "hyper" | "reqwest") || name.starts_with("aws-")
}

/// For every crate marked pure, the dependency chains that reach a forbidden crate.
fn violations(metadata: &Value) -> (BTreeSet<String>, Vec<String>) {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let name_of: BTreeMap<&str, &str> = packages
        .iter()
        .filter_map(|package| Some((package["id"].as_str()?, package["name"].as_str()?)))
        .collect();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let pure: Vec<&str> = packages
        .iter()
        .filter(|package| package["metadata"]["sakk"]["pure"] == true)
        .filter_map(|package| package["id"].as_str())
        .filter(|id| members.contains(id))
        .collect();
    // Edges that end up in the built crate: normal and build dependencies.
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(id) = node["id"].as_str() else {
            continue;
        };
        let targets = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|dependency| {
                dependency["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|kind| kind["kind"] != "dev")
            })
            .filter_map(|dependency| dependency["pkg"].as_str())
            .collect();
        edges.insert(id, targets);
    }
    let mut found = Vec::new();
    for start in &pure {
        // Breadth first, remembering how each crate was reached, to print the chain.
        let mut reached_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([*start]);
        while let Some(current) = queue.pop_front() {
            for next in edges.get(current).into_iter().flatten() {
                if *next == *start || reached_from.contains_key(next) {
                    continue;
                }
                reached_from.insert(next, current);
                if forbidden(name_of.get(next).copied().unwrap_or_default()) {
                    let mut chain = vec![*next];
                    let mut step = *next;
                    while let Some(previous) = reached_from.get(step) {
                        chain.push(previous);
                        step = previous;
                    }
                    let names: Vec<&str> = chain
                        .iter()
                        .rev()
                        .map(|id| name_of.get(id).copied().unwrap_or(id))
                        .collect();
                    found.push(names.join(" -> "));
                } else {
                    queue.push_back(next);
                }
            }
        }
    }
    let pure_names = pure
        .iter()
        .map(|id| name_of.get(id).copied().unwrap_or(id).to_owned())
        .collect();
    (pure_names, found)
}

/// The platform rustc builds for by default (`host:` of `rustc -vV`).
fn host_triple() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .unwrap_or_else(|error| panic!("cannot run rustc -vV: {error}"));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("rustc -vV names no host"))
}

#[test]
fn pure_crates_depend_on_no_runtime_http_or_aws_sdk() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    // `--frozen`: the lock file as committed, and never the network. The graph is the one of
    // the machine's own platform, whose crates a build has already downloaded.
    let host = host_triple();
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--frozen",
            "--filter-platform",
            &host,
            "--manifest-path",
            manifest,
        ])
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo metadata: {error}"));
    assert!(
        output.status.success(),
        "cargo metadata failed (run `cargo fetch` once if crates are missing): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("cargo metadata printed no JSON: {error}"));
    let (pure, found) = violations(&metadata);
    for name in KNOWN_PURE {
        assert!(
            pure.contains(*name),
            "{name} is not marked `[package.metadata.sakk] pure = true`"
        );
    }
    assert!(
        found.is_empty(),
        "pure crates reach forbidden dependencies:\n{}",
        found.join("\n")
    );
}

/// The check itself: a pure crate reaching tokio through another crate is caught, a
/// dev-dependency and an impure crate are not.
#[test]
fn the_check_follows_transitive_dependencies_and_ignores_dev_ones() {
    let metadata = serde_json::json!({
        "workspace_members": ["core", "app"],
        "packages": [
            {"id": "core", "name": "sakk-core", "metadata": {"sakk": {"pure": true}}},
            {"id": "app", "name": "sakk-cli", "metadata": null},
            {"id": "middle", "name": "some-client", "metadata": null},
            {"id": "tokio", "name": "tokio", "metadata": null},
            {"id": "sdk", "name": "aws-sdk-s3", "metadata": null},
            {"id": "test-helper", "name": "wiremock", "metadata": null},
        ],
        "resolve": {"nodes": [
            {"id": "core", "deps": [
                {"pkg": "middle", "dep_kinds": [{"kind": null, "target": null}]},
                {"pkg": "test-helper", "dep_kinds": [{"kind": "dev", "target": null}]},
            ]},
            {"id": "middle", "deps": [
                {"pkg": "tokio", "dep_kinds": [{"kind": null, "target": "cfg(unix)"}]},
            ]},
            {"id": "test-helper", "deps": [
                {"pkg": "sdk", "dep_kinds": [{"kind": null, "target": null}]},
            ]},
            {"id": "app", "deps": [
                {"pkg": "sdk", "dep_kinds": [{"kind": null, "target": null}]},
            ]},
            {"id": "tokio", "deps": []},
            {"id": "sdk", "deps": []},
        ]},
    });
    let (pure, found) = violations(&metadata);
    assert_eq!(pure, BTreeSet::from(["sakk-core".to_owned()]));
    assert_eq!(found, ["sakk-core -> some-client -> tokio"]);
}
