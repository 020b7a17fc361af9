//! Loading a set of files: classifying each (SAKK `main.tf`, native cluster file, `backend.hcl`),
//! pairing SAKK files with the backend configuration of their directory, and finding the files of
//! a directory the way Terraform does.

use crate::input::parse_file;
use crate::reader::{block_header_span, span_of};
use crate::spec::{BackendSpec, ClusterSpec};
use crate::{native, sakk};
use hcl_edit::Span as _;
use hcl_edit::structure::{Body, Structure};
use sakk_core::{
    Diagnostic, Diagnostics, FieldPath, SourceId, SourceMap, Span, code, did_you_mean,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One input file.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name shown in messages (the path as the user would type it).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The directory it is in; SAKK files pick up the backend configuration of their directory.
    pub dir: String,
}

/// Everything read from a set of files.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The files, for rendering diagnostics.
    pub sources: SourceMap,
    /// The clusters found, in file order.
    pub clusters: Vec<ClusterSpec>,
    /// Every problem found while reading.
    pub diagnostics: Diagnostics,
}

const TERRAFORM_BLOCKS: &[&str] = &[
    "provider", "variable", "output", "locals", "resource", "data", "moved", "import", "check",
];

/// The settings of Terraform's S3 backend that sakk reads from a backend configuration file.
pub(crate) const BACKEND_KEYS: &[&str] = &[
    "bucket",
    "key",
    "region",
    "dynamodb_table",
    "kms_key_id",
    "profile",
    "encrypt",
    "use_lockfile",
];

/// True for a backend configuration file (what `terraform init -backend-config=FILE` reads):
/// one named `backend.hcl`, or any file of settings only, all of them S3 backend settings. A
/// file of other settings without a block is a cluster file that lost its `cluster` block.
fn is_backend_file(name: &str, body: &Body) -> bool {
    if body.is_empty() || !body.iter().all(Structure::is_attribute) {
        return false;
    }
    let file_name = Path::new(name)
        .file_name()
        .and_then(|file_name| file_name.to_str())
        .unwrap_or(name);
    file_name == "backend.hcl"
        || body.iter().all(|structure| {
            structure
                .as_attribute()
                .is_some_and(|attribute| BACKEND_KEYS.contains(&attribute.key.as_str()))
        })
}

/// Reads and classifies every input, then pairs SAKK files with backend files.
pub fn load(inputs: &[Input]) -> Loaded {
    let mut loaded = Loaded::default();
    let mut backend_files: BTreeMap<String, Vec<BackendSpec>> = BTreeMap::new();
    let mut sakk_clusters: Vec<(String, usize)> = Vec::new();
    for input in inputs {
        let (source, parsed) = parse_file(&mut loaded.sources, &input.name, &input.bytes);
        let body = match parsed {
            Ok(body) => body,
            Err(diagnostic) => {
                loaded.diagnostics.push(*diagnostic);
                continue;
            }
        };
        let diags = &mut loaded.diagnostics;
        if is_backend_file(&input.name, &body) {
            backend_files
                .entry(input.dir.clone())
                .or_default()
                .push(sakk::read_backend_file(source, &body, diags));
            continue;
        }
        let blank = loaded
            .sources
            .get(source)
            .is_none_or(|file| file.text.trim().is_empty());
        let diags = &mut loaded.diagnostics;
        for cluster in read_cluster_file(source, &body, blank, diags) {
            if cluster.form == crate::Form::Sakk {
                sakk_clusters.push((input.dir.clone(), loaded.clusters.len()));
            }
            loaded.clusters.push(cluster);
        }
    }
    pair_backends(&mut loaded, backend_files, &sakk_clusters);
    loaded
}

/// Reads the clusters of one parsed file (at most one per file).
/// `blank` tells an empty file from one with only comments.
fn read_cluster_file(
    source: SourceId,
    body: &Body,
    blank: bool,
    diags: &mut Diagnostics,
) -> Vec<ClusterSpec> {
    if body.is_empty() {
        let message = if blank {
            "the file is empty: it defines no cluster"
        } else {
            "the file holds only comments: it defines no cluster"
        };
        diags.push(
            Diagnostic::error(message)
                .at(Some(Span::new(source, 0, 0)))
                .hint("write a cluster with `sakk new`, or see docs/cluster-file.md"),
        );
        return Vec::new();
    }
    let errors_before = diags.error_count();
    if body.iter().all(Structure::is_attribute) {
        // Settings without their block: one error, not one per line.
        let first = body.iter().find_map(Structure::as_attribute);
        let key = first.map_or("", |attribute| attribute.key.as_str());
        diags.push(
            Diagnostic::error("this file has settings but no `cluster` block")
                .code(code::MISPLACED_SETTING)
                .at(first.and_then(|attribute| span_of(source, attribute.key.span())))
                .label("outside of any block")
                .field(&FieldPath::root().key(key))
                .hint("wrap the settings in a cluster block: `cluster \"<name>\" { ... }`"),
        );
        return Vec::new();
    }
    let mut terraform_backend = None;
    let mut clusters = Vec::new();
    let mut kinds_seen: Vec<&str> = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attribute) => {
                let key = attribute.key.as_str();
                diags.push(
                    Diagnostic::error(format!("`{key}` is set outside of any block"))
                        .code(code::MISPLACED_SETTING)
                        .at(span_of(source, attribute.key.span()))
                        .label("outside of any block")
                        .field(&FieldPath::root().key(key))
                        .hint("move it into the `cluster \"<name>\" { ... }` block (or the sak-kubeflow `module` block)"),
                );
            }
            Structure::Block(block) => match block.ident.as_str() {
                "terraform" => {
                    if let Some(backend) = sakk::read_terraform_block(source, block, diags) {
                        terraform_backend = Some(backend);
                    }
                }
                "module" => {
                    let Some(module_source) =
                        block
                            .body
                            .get_attribute("source")
                            .and_then(|source| match &source.value {
                                hcl_edit::expr::Expression::String(text) => {
                                    Some(text.value().clone())
                                }
                                _ => None,
                            })
                    else {
                        diags.push(
                            Diagnostic::error("this module has no `source`")
                                .at(block_header_span(source, block))
                                .field(&FieldPath::root().key("module"))
                                .hint("sakk reads the sak-kubeflow module: `source = \"git::https://github.com/provectus/sak-kubeflow.git?ref=init\"`"),
                        );
                        continue;
                    };
                    if !module_source.to_ascii_lowercase().contains("sak-kubeflow") {
                        diags.push(
                            Diagnostic::error(format!("module source `{module_source}` is not sak-kubeflow"))
                                .at(block.body.get_attribute("source").and_then(|attribute| span_of(source, attribute.value.span())))
                                .field(&FieldPath::root().key("module").key("source"))
                                .hint("sakk reads Swiss Army Kube for Kubeflow configurations: a module whose source is the sak-kubeflow repository"),
                        );
                        continue;
                    }
                    kinds_seen.push("module");
                    clusters.push(sakk::read_module(source, block, None, diags));
                }
                "cluster" => {
                    kinds_seen.push("cluster");
                    clusters.push(native::read_cluster(source, block, diags));
                }
                other => {
                    let hint = if TERRAFORM_BLOCKS.contains(&other) {
                        format!(
                            "sakk reads the sak-kubeflow `module` block and the `terraform` backend; \
                             `{other}` blocks are Terraform code that sakk does not run: remove it \
                             or move it to another file"
                        )
                    } else {
                        did_you_mean(other, ["cluster", "module", "terraform"])
                    };
                    diags.push(
                        Diagnostic::error(format!("unknown block `{other}`"))
                            .at(block_header_span(source, block))
                            .label("unknown block")
                            .field(&FieldPath::root().key(other))
                            .hint(hint),
                    );
                }
            },
        }
    }
    if clusters.len() > 1 {
        for extra in &clusters[1..] {
            diags.push(
                Diagnostic::error("a file defines one cluster; this is the second one")
                    .at(extra.origin.span)
                    .field(&extra.origin.path)
                    .hint(
                        "put each cluster in its own file (for example `dev.hcl` and `prod.hcl`)",
                    ),
            );
        }
        clusters.truncate(1);
    }
    if let Some(cluster) = clusters.first_mut() {
        if cluster.form == crate::Form::Sakk {
            cluster.backend = terraform_backend;
        } else if let Some(backend) = terraform_backend {
            diags.push(
                Diagnostic::error("a `terraform` block belongs to SAKK-form files")
                    .at(backend.origin.span)
                    .field(&FieldPath::root().key("terraform"))
                    .hint("in a native cluster file, write the backend inside the cluster: `backend \"s3\" { ... }`"),
            );
        }
    } else if kinds_seen.is_empty() && diags.error_count() == errors_before {
        diags.push(
            Diagnostic::error("the file defines no cluster")
                .at(Some(Span::new(source, 0, 0)))
                .hint(
                    "add a `cluster \"<name>\" { ... }` block, or the sak-kubeflow `module` block",
                ),
        );
    }
    clusters
}

/// Gives each SAKK cluster with an S3 backend the `backend.hcl` settings of its directory.
fn pair_backends(
    loaded: &mut Loaded,
    backend_files: BTreeMap<String, Vec<BackendSpec>>,
    sakk_clusters: &[(String, usize)],
) {
    for (dir, files) in backend_files {
        for extra in files.iter().skip(1) {
            loaded.diagnostics.push(
                Diagnostic::error("more than one backend configuration file in this directory")
                    .at(extra.origin.span)
                    .hint("keep one `backend.hcl` per directory"),
            );
        }
        let Some(file) = files.into_iter().next() else {
            continue;
        };
        let mut used = false;
        for (cluster_dir, index) in sakk_clusters {
            if *cluster_dir != dir {
                continue;
            }
            let cluster = &mut loaded.clusters[*index];
            match &mut cluster.backend {
                Some(backend) if backend.kind.value == "s3" => {
                    used = true;
                    merge_backend(backend, &file);
                }
                _ => {}
            }
        }
        if !used {
            loaded.diagnostics.push(
                Diagnostic::warning("this backend configuration is not used")
                    .at(file.origin.span)
                    .hint("backend settings apply to a SAKK `main.tf` that declares `terraform { backend \"s3\" {} }` in the same directory"),
            );
        }
    }
}

/// Settings from `backend.hcl` win over those written in the block, as with
/// `terraform init -backend-config=backend.hcl`.
fn merge_backend(backend: &mut BackendSpec, file: &BackendSpec) {
    for (target, value) in [
        (&mut backend.bucket, &file.bucket),
        (&mut backend.key, &file.key),
        (&mut backend.region, &file.region),
        (&mut backend.dynamodb_table, &file.dynamodb_table),
        (&mut backend.kms_key_id, &file.kms_key_id),
        (&mut backend.profile, &file.profile),
    ] {
        if value.is_some() {
            target.clone_from(value);
        }
    }
    backend.files.extend(file.files.iter().copied());
    backend.settings_file = Some(file.origin.clone());
}

/// True for file names sakk reads from a directory: `*.tf` and `*.hcl`, except Terraform's lock
/// file, variable files and hidden files.
pub fn is_cluster_file_name(name: &str) -> bool {
    !name.starts_with('.')
        && (name.ends_with(".tf") || name.ends_with(".hcl"))
        && name != ".terraform.lock.hcl"
}

/// The cluster files of a directory, sorted by name.
pub fn discover(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_cluster_file_name(name) && entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Reads files into inputs. A directory stands for its cluster files. A SAKK `main.tf` named on
/// its own brings the `backend.hcl` next to it, when there is one.
pub fn read_paths(paths: &[PathBuf]) -> std::io::Result<Vec<Input>> {
    let mut expanded = Vec::new();
    for path in paths {
        if path.is_dir() {
            expanded.extend(discover(path)?);
        } else {
            expanded.push(path.clone());
        }
    }
    let mut inputs: Vec<Input> = Vec::new();
    for path in &expanded {
        inputs.push(read_input(path)?);
    }
    let mut extra = Vec::new();
    for path in &expanded {
        let dir = path.parent().unwrap_or(Path::new(""));
        let backend = dir.join("backend.hcl");
        let is_terraform = path.extension().is_some_and(|extension| extension == "tf");
        if is_terraform
            && backend.is_file()
            && !expanded.contains(&backend)
            && !extra.contains(&backend)
        {
            extra.push(backend);
        }
    }
    for path in &extra {
        inputs.push(read_input(path)?);
    }
    Ok(inputs)
}

fn read_input(path: &Path) -> std::io::Result<Input> {
    let metadata = std::fs::metadata(path)?;
    // Read at most one byte more than the limit: enough to say the file is too large.
    let limit = crate::MAX_FILE_BYTES as u64 + 1;
    let bytes = if metadata.len() > limit {
        use std::io::Read;
        let mut buffer = Vec::new();
        std::fs::File::open(path)?
            .take(limit)
            .read_to_end(&mut buffer)?;
        buffer
    } else {
        std::fs::read(path)?
    };
    let name = path
        .strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string();
    let dir = path
        .parent()
        .map(|parent| parent.display().to_string())
        .unwrap_or_default();
    let dir = if dir.is_empty() { ".".to_owned() } else { dir };
    Ok(Input { name, bytes, dir })
}
