//! The rendered trees of the example clusters: golden files (byte for byte), determinism,
//! invariants, and validation against the real schemas.
//!
//! `SAKK_UPDATE_GOLDEN=1 cargo test -p sakk-gitops` rewrites `tests/golden/<case>/`.

use sakk_gitops::{Tree, placeholder_outputs, render, render_documents};
use sakk_model::Model;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

mod common;

use common::{CASES, model_of, read_files, repository};

fn tree_of(path: &str) -> (Model, Tree) {
    let model = model_of(path);
    let tree = render(&model, &placeholder_outputs(&model)).expect("renders");
    (model, tree)
}

#[test]
fn golden_trees_match_byte_for_byte() {
    let update = std::env::var_os("SAKK_UPDATE_GOLDEN").is_some_and(|value| value == "1");
    let mut stale = Vec::new();
    for (case, path) in CASES {
        let (_, tree) = tree_of(path);
        let golden = repository().join("tests/golden").join(case);
        if update {
            let _ = std::fs::remove_dir_all(&golden);
            for (file, bytes) in &tree.files {
                let target = golden.join(file);
                std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
                std::fs::write(target, bytes).expect("write");
            }
            continue;
        }
        let on_disk = read_files(&golden);
        if on_disk != tree.files {
            let names: BTreeSet<&String> = on_disk.keys().chain(tree.files.keys()).collect();
            for name in names {
                if on_disk.get(name) != tree.files.get(name) {
                    stale.push(format!("{case}/{name}"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "golden trees differ (rerun with SAKK_UPDATE_GOLDEN=1 and review the diff): {stale:#?}"
    );
}

#[test]
fn rendering_is_deterministic_and_ignores_block_order() {
    for (_, path) in CASES {
        let (model, first) = tree_of(path);
        let second = render(&model, &placeholder_outputs(&model)).expect("renders");
        assert_eq!(first, second, "{path} rendered twice differs");
    }
    let (_, forward) = tree_of("examples/five-teams/cluster.hcl");
    let (_, reversed) = tree_of("crates/sakk-gitops/tests/inputs/five-teams-reordered.hcl");
    assert_eq!(forward, reversed, "reordering the blocks changed the tree");
}

/// Every string of a value, with the path to it.
fn strings<'v>(value: &'v Value, path: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::String(text) => out.push((path, text)),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                strings(item, format!("{path}[{index}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                strings(item, format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

/// Strings that look like secret values: private keys, bcrypt hashes, AWS access keys, long
/// random tokens. The release commits (40 hex characters) are known and allowed.
fn looks_secret(text: &str, commits: &[&str]) -> bool {
    if text.contains("PRIVATE KEY")
        || text.contains("$2a$")
        || text.contains("$2b$")
        || text.contains("$2y$")
    {
        return true;
    }
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|token| {
            if commits.contains(&token) {
                return false;
            }
            let access_key = token.len() == 20
                && (token.starts_with("AKIA") || token.starts_with("ASIA"))
                && token
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            let has_digit = token.chars().any(|c| c.is_ascii_digit());
            let has_lower = token.chars().any(|c| c.is_ascii_lowercase());
            let has_upper = token.chars().any(|c| c.is_ascii_uppercase());
            let random_base64 = token.len() >= 20 && has_digit && has_lower && has_upper;
            let random_hex = token.len() >= 32
                && has_digit
                && has_lower
                && token.chars().all(|c| c.is_ascii_hexdigit());
            access_key || random_base64 || random_hex
        })
}

#[test]
fn the_secret_detector_catches_secrets() {
    for secret in [
        "pUBnBOY80SnXgjibTYM9ZWNzY2xreNGQok",
        "7d16fee92f8d11b8940b081b3f8b8acb",
        "AKIAIOSFODNN7EXAMPLE",
        "$2y$12$4K/VkmDd1q1Orb3xAt82zu8gk7Ad6ReFR4LCP9UeYE90NLiN9Df72",
        "-----BEGIN RSA PRIVATE KEY-----",
    ] {
        assert!(looks_secret(secret, &[]), "{secret}");
    }
    for fine in [
        "applications/centraldashboard/overlays/oauth2-proxy",
        "arn:aws:iam::000000000000:role/demo-kfp-artifacts",
        "d68ebc7fab366ab40ddd1541d2ec22febb31bc83",
    ] {
        assert!(
            !looks_secret(fine, &["d68ebc7fab366ab40ddd1541d2ec22febb31bc83"]),
            "{fine}"
        );
    }
}

#[test]
fn trees_keep_their_invariants() {
    let commits: Vec<&str> = sakk_model::catalog::RELEASES
        .iter()
        .map(|release| release.manifests_commit)
        .collect();
    for (case, path) in CASES {
        let model = model_of(path);
        let outputs = placeholder_outputs(&model);
        let (documents, _) = render_documents(&model, &outputs).expect("renders");
        let mut waves: BTreeMap<String, i64> = BTreeMap::new();
        let mut needs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (file, object) in &documents {
            let kind = object["kind"].as_str().unwrap_or_default();
            assert_ne!(kind, "Secret", "{case}/{file}: a Secret object in git");
            let mut found = Vec::new();
            strings(object, String::new(), &mut found);
            for (at, text) in &found {
                assert!(
                    !looks_secret(text, &commits),
                    "{case}/{file}{at}: looks like a secret value: {text}"
                );
            }
            if kind != "Application" {
                continue;
            }
            let name = object["metadata"]["name"]
                .as_str()
                .expect("name")
                .to_owned();
            let spec = &object["spec"];
            let sources: Vec<&Value> = match spec.get("sources") {
                Some(Value::Array(items)) => items.iter().collect(),
                _ => vec![&spec["source"]],
            };
            for source in sources {
                let repo = source["repoURL"].as_str().expect("repoURL");
                let revision = source["targetRevision"].as_str().expect("targetRevision");
                if repo == model.gitops.repo_url {
                    // The GitOps repository itself is followed on its branch, by design.
                    assert_eq!(revision, model.gitops.branch, "{case}/{file}");
                    continue;
                }
                let pinned = if source.get("chart").is_some() {
                    revision.split('.').count() == 3
                        && revision
                            .trim_start_matches('v')
                            .split('.')
                            .all(|part| part.parse::<u32>().is_ok())
                } else {
                    commits.contains(&revision)
                };
                assert!(pinned, "{case}/{file}: {repo} is not pinned ({revision})");
                for floating in ["HEAD", "latest", "main", "master"] {
                    assert_ne!(revision, floating, "{case}/{file}");
                }
                if let Some(images) = source["kustomize"]["images"].as_array() {
                    for image in images {
                        let image = image.as_str().expect("image");
                        assert!(!image.ends_with(":latest"), "{case}/{file}: {image}");
                    }
                }
            }
            if name == "root" {
                continue;
            }
            let wave: i64 = object["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
                .as_str()
                .expect("every application has a wave")
                .parse()
                .expect("numeric wave");
            waves.insert(name.clone(), wave);
            let listed = object["metadata"]["annotations"]["sakk.dev/needs"]
                .as_str()
                .map(|text| text.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            needs.insert(name, listed);
            assert!(
                object["metadata"]["finalizers"]
                    .as_array()
                    .is_some_and(|list| list
                        .iter()
                        .any(|item| item == "resources-finalizer.argocd.argoproj.io")),
                "{case}/{file}: no resources finalizer"
            );
            let options = &spec["syncPolicy"]["syncOptions"];
            assert!(
                options
                    .as_array()
                    .is_some_and(|list| list.iter().any(|item| item == "ServerSideApply=true")),
                "{case}/{file}: no server-side apply"
            );
        }
        for (app, listed) in &needs {
            for need in listed {
                let before = waves
                    .get(need)
                    .unwrap_or_else(|| panic!("{case}: {app} needs {need}, which is not rendered"));
                assert!(
                    before < &waves[app],
                    "{case}: {app} (wave {}) needs {need} (wave {before})",
                    waves[app]
                );
            }
        }
        // Catalog requirements are honoured by the waves too.
        for component in model
            .kubeflow
            .components
            .iter()
            .filter(|component| component.enabled)
        {
            let Some(info) = sakk_model::catalog::component(&component.name) else {
                continue;
            };
            for need in info.requires {
                if let (Some(wave), Some(before)) = (waves.get(&component.name), waves.get(*need)) {
                    assert!(before < wave, "{case}: {} needs {need}", component.name);
                }
            }
        }
        // Every exposed host is under the cluster's domains.
        let domains = &model.dns.domains;
        let under = |host: &str| {
            domains
                .iter()
                .any(|domain| host == domain || host.ends_with(&format!(".{domain}")))
        };
        for (file, object) in &documents {
            let mut found = Vec::new();
            strings(object, String::new(), &mut found);
            for (at, text) in found {
                let exposed = at.ends_with("external-dns.alpha.kubernetes.io/hostname")
                    || at.contains(".dnsNames[")
                    || at.ends_with(".global.domain")
                    || at.contains(".hosts[")
                    || at.ends_with(".configs.cm.url");
                if exposed {
                    for host in text.split(',') {
                        let host = host.trim_start_matches("https://");
                        assert!(
                            under(host),
                            "{case}/{file}{at}: {host} is outside {domains:?}"
                        );
                    }
                }
                if at.ends_with(".patch") {
                    assert!(
                        !text.contains("\"*\""),
                        "{case}/{file}{at}: a wildcard host"
                    );
                }
            }
        }
        assert!(
            waves.contains_key("argo-cd") && waves["argo-cd"] == 0,
            "{case}: Argo CD first"
        );
    }
}

#[test]
fn every_object_validates_against_the_real_schemas() {
    let python = std::env::var("SAKK_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut dirs = Vec::new();
    for (case, path) in CASES {
        let model = model_of(path);
        let outputs = placeholder_outputs(&model);
        let (documents, _) = render_documents(&model, &outputs).expect("renders");
        let tree = render(&model, &outputs).expect("renders");
        let dir = scratch.path().join(case);
        for (file, object) in &documents {
            let target = dir.join(file);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, &tree.files[file]).expect("yaml");
            std::fs::write(
                target.with_extension("json"),
                serde_json::to_vec(object).expect("json"),
            )
            .expect("json twin");
        }
        std::fs::write(dir.join(".kubernetes-version"), &model.kubernetes_version)
            .expect("version");
        dirs.push(dir);
    }
    let output = std::process::Command::new(&python)
        .arg(repository().join("tests/validate_tree.py"))
        .args(&dirs)
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run {python} (run the tests through scripts/test): {error}")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schema validation failed (the Python tools come from scripts/requirements-test.txt; run scripts/test):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// The Applications of a rendered tree, by name (the root left out).
fn applications_by_name(documents: &BTreeMap<String, Value>) -> BTreeMap<String, &Value> {
    documents
        .values()
        .filter(|object| object["kind"] == "Application" && object["metadata"]["name"] != "root")
        .map(|object| {
            (
                object["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                object,
            )
        })
        .collect()
}

fn wave_of(app: &Value) -> i64 {
    app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        .as_str()
        .and_then(|wave| wave.parse().ok())
        .expect("a numeric wave")
}

fn sources_of(app: &Value) -> Vec<&Value> {
    match app["spec"].get("sources") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => vec![&app["spec"]["source"]],
    }
}

/// What each application puts in the cluster beyond upstream: the objects sakk renders and the
/// patches it applies to upstream's, by application name.
fn objects_and_patches(model: &Model) -> BTreeMap<String, Vec<Value>> {
    let outputs = placeholder_outputs(model);
    sakk_gitops::applications_of(model, &outputs)
        .expect("renders")
        .into_iter()
        .map(|app| {
            let mut found = app.objects.clone();
            found.extend(app.patches.iter().map(|patch| patch.patch.clone()));
            (app.name, found)
        })
        .collect()
}
/// The stoppers of the sync review (`../shared/reference/sync-review.md`, points 1, 2, 4 and 7)
/// stay fixed, in every example tree.
#[test]
fn the_trees_keep_clear_of_the_sync_stoppers() {
    for (case, path) in CASES {
        let model = model_of(path);
        let release = sakk_model::catalog::release(&model.kubeflow.release).expect("release");
        let (documents, _) =
            render_documents(&model, &placeholder_outputs(&model)).expect("renders");
        let apps = applications_by_name(&documents);
        let extra = objects_and_patches(&model);
        let controller = wave_of(apps["aws-load-balancer-controller"]);
        // 1. No LoadBalancer Service before the controller that serves it; wave 0's Argo CD
        //    server is a ClusterIP Service.
        let argocd_values = &sources_of(apps["argo-cd"])[0]["helm"]["valuesObject"];
        assert_eq!(
            argocd_values["server"]["service"]["type"], "ClusterIP",
            "{case}: Argo CD's server Service in wave 0"
        );
        let mut load_balancers = 0;
        for (name, app) in &apps {
            for object in &extra[name] {
                if object["kind"] == "Service" && object["spec"]["type"] == "LoadBalancer" {
                    load_balancers += 1;
                    assert!(
                        wave_of(app) > controller,
                        "{case}: {name} (wave {}) has a LoadBalancer Service before the controller (wave {controller})",
                        wave_of(app)
                    );
                }
            }
        }
        assert_eq!(
            load_balancers, 2,
            "{case}: the gateway's and Argo CD's NLBs"
        );
        // 2. The Kubeflow namespaces come before the mesh writes into `kubeflow`.
        let namespaces = apps
            .iter()
            .find(|(_, app)| {
                sources_of(app)
                    .iter()
                    .any(|source| source["path"] == release.namespaces_path)
            })
            .map(|(name, app)| (name.clone(), wave_of(app)))
            .expect("the namespaces path is synced");
        assert!(
            namespaces.1 < wave_of(apps["istio"]),
            "{case}: {namespaces:?} is not before istio"
        );
        // 4. The controller's webhook certificate comes from cert-manager, Healthy before it.
        let controller_values =
            &sources_of(apps["aws-load-balancer-controller"])[0]["helm"]["valuesObject"];
        assert_eq!(controller_values["enableCertManager"], true, "{case}");
        assert!(wave_of(apps["cert-manager"]) < controller, "{case}");
        // 7. KServe's inference hosts are routed by the gateway and covered by its certificate.
        let config = extra["kserve"]
            .iter()
            .find(|object| object["metadata"]["name"] == "inferenceservice-config")
            .expect("KServe's ingress configuration is patched");
        let ingress: Value =
            serde_json::from_str(config["data"]["ingress"].as_str().expect("ingress"))
                .expect("JSON");
        let domain = ingress["ingressDomain"].as_str().expect("ingressDomain");
        let inference_host = format!("model-team.{domain}");
        let base = &extra["kubeflow-base"];
        let gateway = base
            .iter()
            .find(|object| object["kind"] == "Gateway")
            .expect("the gateway patch");
        let matches = |pattern: &str, host: &str| match pattern.strip_prefix("*.") {
            Some(suffix) => host.strip_suffix(suffix).is_some_and(|label| {
                label.ends_with('.') && !label[..label.len() - 1].contains('.')
            }),
            None => pattern == host,
        };
        let certificate = base
            .iter()
            .find(|object| object["kind"] == "Certificate")
            .expect("the gateway's certificate");
        for host in [model.dns.kubeflow_host.as_str(), inference_host.as_str()] {
            for server in gateway["spec"]["servers"].as_array().expect("servers") {
                assert!(
                    server["hosts"]
                        .as_array()
                        .expect("hosts")
                        .iter()
                        .any(|pattern| matches(pattern.as_str().unwrap_or_default(), host)),
                    "{case}: the gateway does not route {host}"
                );
            }
            assert!(
                certificate["spec"]["dnsNames"]
                    .as_array()
                    .expect("dnsNames")
                    .iter()
                    .any(|pattern| matches(pattern.as_str().unwrap_or_default(), host)),
                "{case}: the certificate does not cover {host}"
            );
        }
    }
}
