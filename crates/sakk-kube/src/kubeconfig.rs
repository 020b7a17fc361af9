//! The kubeconfig entry of a cluster, written or merged as `aws eks update-kubeconfig` does,
//! with sakk itself as the credential plugin instead of the aws CLI.
//!
//! - Cluster, user and context are named by the cluster's ARN (the context by an alias when
//!   given); an entry of the same name is replaced, every other entry and setting is kept as it
//!   was, and `current-context` moves to the new context.
//! - The file is the first one of `$KUBECONFIG`, else `~/.kube/config`; it is written atomically
//!   (a temporary file renamed over it) and, when created, readable by its owner only.
//! - A file that is not a kubeconfig (not YAML, or lists that are not lists) is refused and left
//!   untouched.

use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// One cluster's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name of the cluster and user entries (the cluster's ARN).
    pub name: String,
    /// The context's name: `name`, or the alias asked for.
    pub context: String,
    /// The API server's URL.
    pub server: String,
    /// The cluster's CA bundle, base64 (as EKS returns it).
    pub certificate_authority_data: String,
    /// The credential plugin.
    pub exec: Exec,
}

/// The `exec` credential plugin of the user entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    /// The program (sakk's own path).
    pub command: String,
    /// Its arguments (`token --cluster NAME --region R`).
    pub args: Vec<String>,
    /// Environment it needs (`AWS_PROFILE` when a profile is in use).
    pub env: Vec<(String, String)>,
}

/// Why the kubeconfig could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// Not YAML.
    #[error("{path} is not valid YAML: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// YAML, but not a kubeconfig.
    #[error("{path} is not a kubeconfig: {problem}")]
    Shape {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Where the entry goes: the first path of `$KUBECONFIG` (as given in `kubeconfig_env`), else
/// `<home>/.kube/config`.
pub fn default_path(kubeconfig_env: Option<&str>, home: &Path) -> PathBuf {
    kubeconfig_env
        .and_then(|value| std::env::split_paths(value).find(|path| !path.as_os_str().is_empty()))
        .unwrap_or_else(|| home.join(".kube").join("config"))
}

/// The merged file: `existing` (the current text, if any) with `entry` put in. `path` only
/// names the file in errors.
pub fn merge(existing: Option<&str>, entry: &Entry, path: &str) -> Result<String, KubeconfigError> {
    let mut config = match existing.filter(|text| !text.trim().is_empty()) {
        None => Map::new(),
        Some(text) => match serde_saphyr::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(Value::Null) => Map::new(),
            Ok(_) => {
                return Err(KubeconfigError::Shape {
                    path: path.to_owned(),
                    problem: "its top level is not a mapping".into(),
                });
            }
            Err(error) => {
                return Err(KubeconfigError::Syntax {
                    path: path.to_owned(),
                    message: error.to_string(),
                });
            }
        },
    };
    config
        .entry("apiVersion")
        .or_insert_with(|| Value::from("v1"));
    config
        .entry("kind")
        .or_insert_with(|| Value::from("Config"));
    config
        .entry("preferences")
        .or_insert_with(|| Value::Object(Map::new()));
    let env: Vec<Value> = entry
        .exec
        .env
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    let mut exec = json!({
        "apiVersion": crate::exec::DEFAULT_API_VERSION,
        "command": entry.exec.command,
        "args": entry.exec.args,
        "interactiveMode": "Never",
        "provideClusterInfo": false,
    });
    if !env.is_empty() {
        exec["env"] = Value::Array(env);
    }
    put(
        &mut config,
        "clusters",
        &entry.name,
        "cluster",
        json!({
            "server": entry.server,
            "certificate-authority-data": entry.certificate_authority_data,
        }),
        path,
    )?;
    put(
        &mut config,
        "users",
        &entry.name,
        "user",
        json!({ "exec": exec }),
        path,
    )?;
    put(
        &mut config,
        "contexts",
        &entry.context,
        "context",
        json!({ "cluster": entry.name, "user": entry.name }),
        path,
    )?;
    config.insert("current-context".into(), Value::from(entry.context.clone()));
    serde_saphyr::to_string(&Value::Object(config)).map_err(|error| KubeconfigError::Shape {
        path: path.to_owned(),
        problem: error.to_string(),
    })
}

/// Replaces the item named `name` of the list `list` (or appends it).
fn put(
    config: &mut Map<String, Value>,
    list: &str,
    name: &str,
    field: &str,
    value: Value,
    path: &str,
) -> Result<(), KubeconfigError> {
    let items = config
        .entry(list)
        .or_insert_with(|| Value::Array(Vec::new()));
    if items.is_null() {
        *items = Value::Array(Vec::new());
    }
    let Value::Array(items) = items else {
        return Err(KubeconfigError::Shape {
            path: path.to_owned(),
            problem: format!("`{list}` is not a list"),
        });
    };
    let item = json!({ "name": name, field: value });
    match items
        .iter_mut()
        .find(|item| item.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(existing) => *existing = item,
        None => items.push(item),
    }
    Ok(())
}

/// The text the file at `path` would hold with `entry` merged in, and whether it exists now.
pub fn merged(path: &Path, entry: &Entry) -> Result<(String, bool), KubeconfigError> {
    let shown = path.display().to_string();
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(KubeconfigError::Io {
                path: shown,
                source,
            });
        }
    };
    Ok((
        merge(existing.as_deref(), entry, &shown)?,
        existing.is_some(),
    ))
}

/// Merges `entry` into the file at `path` (created with its directory when missing).
pub fn write(path: &Path, entry: &Entry) -> Result<(), KubeconfigError> {
    let shown = path.display().to_string();
    let io = |source| KubeconfigError::Io {
        path: shown.clone(),
        source,
    };
    let (text, existed) = merged(path, entry)?;
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let temporary = path.with_file_name(format!(
        ".{}.sakk-tmp",
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config".into())
    ));
    write_private(&temporary, text.as_bytes(), !existed, path).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)
}

/// Writes `bytes` to `temporary` with the permissions of `target` (owner-only when new).
fn write_private(temporary: &Path, bytes: &[u8], new: bool, target: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = if new {
            0o600
        } else {
            std::fs::metadata(target)?.permissions().mode() & 0o7777
        };
        options.mode(mode);
    }
    let mut file = options.open(temporary)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry {
        Entry {
            name: format!("arn:aws:eks:eu-west-1:123456789012:cluster/{name}"),
            context: format!("arn:aws:eks:eu-west-1:123456789012:cluster/{name}"),
            server: format!("https://{name}.gr7.eu-west-1.eks.amazonaws.com"),
            certificate_authority_data: "LS0tLS1CRUdJTg==".into(),
            exec: Exec {
                command: "/usr/local/bin/sakk".into(),
                args: vec![
                    "token".into(),
                    "--cluster".into(),
                    name.into(),
                    "--region".into(),
                    "eu-west-1".into(),
                ],
                env: vec![],
            },
        }
    }

    fn parse(text: &str) -> Value {
        serde_saphyr::from_str(text).expect("test value")
    }

    #[test]
    fn a_new_file_gets_one_cluster_user_and_context() {
        let text = merge(None, &entry("ml-dev"), "config").expect("test value");
        let config = parse(&text);
        let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/ml-dev";
        assert_eq!(config["kind"], "Config");
        assert_eq!(config["current-context"], arn);
        assert_eq!(config["clusters"][0]["name"], arn);
        assert_eq!(
            config["clusters"][0]["cluster"]["certificate-authority-data"],
            "LS0tLS1CRUdJTg=="
        );
        let exec = &config["users"][0]["user"]["exec"];
        assert_eq!(exec["command"], "/usr/local/bin/sakk");
        assert_eq!(exec["args"][0], "token");
        assert_eq!(exec["interactiveMode"], "Never");
        assert_eq!(config["contexts"][0]["context"]["user"], arn);
    }

    #[test]
    fn merging_keeps_every_other_entry_and_replaces_its_own() {
        let other = "apiVersion: v1\nkind: Config\nclusters:\n- name: kind-kind\n  cluster:\n    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\nusers:\n- name: kind-kind\n  user:\n    token: abc\ncontexts:\n- name: kind-kind\n  context:\n    cluster: kind-kind\n    user: kind-kind\n    namespace: dev\ncurrent-context: kind-kind\npreferences:\n  colors: true\nextensions: []\n";
        let once = merge(Some(other), &entry("ml-dev"), "config").expect("test value");
        let mut changed = entry("ml-dev");
        changed.server = "https://new.example".into();
        let twice = merge(Some(&once), &changed, "config").expect("test value");
        let config = parse(&twice);
        assert_eq!(config["clusters"].as_array().expect("test value").len(), 2);
        assert_eq!(config["users"].as_array().expect("test value").len(), 2);
        assert_eq!(config["contexts"].as_array().expect("test value").len(), 2);
        assert_eq!(
            config["clusters"][0]["cluster"]["insecure-skip-tls-verify"],
            true
        );
        assert_eq!(config["users"][0]["user"]["token"], "abc");
        assert_eq!(config["contexts"][0]["context"]["namespace"], "dev");
        assert_eq!(config["preferences"]["colors"], true);
        assert_eq!(
            config["clusters"][1]["cluster"]["server"],
            "https://new.example"
        );
        assert_eq!(
            merge(Some(&twice), &changed, "config").expect("test value"),
            twice
        );
    }

    #[test]
    fn what_is_not_a_kubeconfig_is_refused() {
        assert!(matches!(
            merge(Some("clusters: [\n"), &entry("a"), "config"),
            Err(KubeconfigError::Syntax { .. })
        ));
        assert!(matches!(
            merge(Some("- a\n- b\n"), &entry("a"), "config"),
            Err(KubeconfigError::Shape { .. })
        ));
        let error = merge(Some("clusters: yes\n"), &entry("a"), "cfg").expect_err("an error");
        assert_eq!(
            error.to_string(),
            "cfg is not a kubeconfig: `clusters` is not a list"
        );
    }

    #[test]
    fn the_first_kubeconfig_path_wins_else_the_home_file() {
        let home = Path::new("/home/ada");
        assert_eq!(
            default_path(None, home),
            PathBuf::from("/home/ada/.kube/config")
        );
        assert_eq!(
            default_path(Some("/a/one:/b/two"), home),
            PathBuf::from("/a/one")
        );
        assert_eq!(
            default_path(Some(""), home),
            PathBuf::from("/home/ada/.kube/config")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_private_and_a_bad_one_is_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("test value");
        let path = dir.path().join("nested").join("config");
        write(&path, &entry("ml-dev")).expect("test value");
        let mode = std::fs::metadata(&path)
            .expect("test value")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "clusters: [\n").expect("test value");
        assert!(write(&bad, &entry("ml-dev")).is_err());
        assert_eq!(
            std::fs::read_to_string(&bad).expect("test value"),
            "clusters: [\n"
        );
    }
}
