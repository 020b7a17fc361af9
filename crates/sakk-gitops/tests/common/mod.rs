//! What the tree tests and the convergence tests share: the example clusters, their models, and
//! reading a directory of files back.

use sakk_model::Model;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The golden cases: name and cluster file, relative to the repository.
pub const CASES: &[(&str, &str)] = &[
    ("native-simple", "examples/native-simple/cluster.hcl"),
    ("gpu-spot", "examples/gpu-spot/cluster.hcl"),
    ("oidc-rds", "examples/oidc-rds/cluster.hcl"),
    ("five-teams", "examples/five-teams/cluster.hcl"),
];

/// The repository's root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The model of the cluster file at `path` (relative to the repository), which must be valid.
pub fn model_of(path: &str) -> Model {
    let path = repository().join(path);
    let bytes = std::fs::read(&path).expect("example file");
    let input = sakk_config::Input {
        name: path.display().to_string(),
        bytes,
        dir: path.parent().expect("parent").display().to_string(),
    };
    let loaded = sakk_config::load(&[input]);
    assert!(!loaded.diagnostics.has_errors(), "{:?}", loaded.diagnostics);
    let validated = sakk_model::validate(&loaded.clusters);
    assert!(
        !validated.diagnostics.has_errors(),
        "{:?}",
        validated.diagnostics
    );
    validated.models.into_iter().next().expect("one cluster")
}

/// Every file under `dir`, by its `/`-separated path relative to `dir` (none when `dir` is
/// missing).
pub fn read_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("inside");
                files.insert(
                    relative.to_string_lossy().replace('\\', "/"),
                    std::fs::read(&path).expect("readable"),
                );
            }
        }
    }
    files
}
