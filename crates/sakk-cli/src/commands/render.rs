//! `sakk render`: the GitOps tree of each cluster, written to disk or compared with it.

use crate::args::{Output, RenderArgs};
use crate::load::load;
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_core::Outputs;
use sakk_gitops::Tree;
use sakk_model::Model;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A cluster ready to be written: its model, its tree, and the directory of its cluster file.
pub struct Rendered {
    pub model: Model,
    pub tree: Tree,
    pub dir: PathBuf,
    /// Outputs that are still placeholders (empty when every AWS value is known).
    pub placeholders: Vec<&'static str>,
    /// The AWS outputs the tree was rendered with.
    pub outputs: Outputs,
}

/// Loads the cluster files and renders each cluster (or only `cluster`). `Err(code)` carries
/// the exit code after diagnostics were printed.
pub fn render_clusters(
    files: &[PathBuf],
    outputs: Option<&Path>,
    cluster: Option<&str>,
    printer: &Printer,
) -> anyhow::Result<Result<Vec<Rendered>, ExitCode>> {
    let session = load(files)?;
    if session.diagnostics.has_errors() {
        return Ok(Err(super::validate::report(
            &session,
            Output::Human,
            printer,
        )));
    }
    printer.message(&sakk_core::render::human(
        &session.diagnostics,
        &session.sources,
        printer.color(),
    ));
    let mut selected = Vec::new();
    for (spec, model) in session.clusters.iter().zip(&session.models) {
        if cluster.is_some_and(|name| name != model.name) {
            continue;
        }
        let dir = session
            .sources
            .get(spec.source)
            .and_then(|file| Path::new(&file.name).parent().map(Path::to_path_buf))
            .unwrap_or_default();
        selected.push((model.clone(), dir));
    }
    if let Some(name) = cluster
        && selected.is_empty()
    {
        let known: Vec<&str> = session
            .models
            .iter()
            .map(|model| model.name.as_str())
            .collect();
        return Err(user_error(
            format!("no cluster named `{name}` in these files"),
            sakk_core::did_you_mean(name, known.iter().copied()),
        ));
    }
    let given: Option<Outputs> = match outputs {
        None => None,
        Some(path) => {
            if selected.len() > 1 {
                return Err(user_error(
                    "--outputs holds the outputs of one cluster, and these files define several",
                    "add `--cluster <name>`",
                ));
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let parsed = serde_json::from_str(&text).map_err(|error| {
                user_error(
                    format!(
                        "{}:{}:{}: invalid outputs: {error}",
                        path.display(),
                        error.line(),
                        error.column()
                    ),
                    "the file is the JSON object `sakk output` prints (see docs/gitops.md)",
                )
            })?;
            Some(parsed)
        }
    };
    let mut rendered = Vec::new();
    for (model, dir) in selected {
        if model.gitops.path.trim_matches('/').is_empty() {
            return Err(user_error(
                format!(
                    "cluster `{}` has an empty GitOps path: sakk will not manage a repository's root",
                    model.name
                ),
                "set `path` in the gitops block, like `clusters/<name>`",
            ));
        }
        let (outputs, placeholders) = match &given {
            Some(given) => (given.clone(), Vec::new()),
            None => match outputs_from_state(&model, &dir, printer) {
                Some(known) => known,
                None => (sakk_gitops::placeholder_outputs(&model), vec!["all"]),
            },
        };
        let tree = sakk_gitops::render(&model, &outputs).map_err(|error| {
            user_error(
                format!("cluster `{}`: {error}", model.name),
                "give the outputs of this cluster's last apply",
            )
        })?;
        rendered.push(Rendered {
            model,
            tree,
            dir,
            placeholders,
            outputs,
        });
    }
    Ok(Ok(rendered))
}

/// What differs between a directory and a tree.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Difference {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl Difference {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Every file under `dir`, relative, with `/` separators; hidden entries are skipped.
pub fn files_under(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    if !dir.exists() {
        return Ok(found);
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current)
            .with_context(|| format!("cannot list {}", current.display()))?
        {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.insert(parts.join("/"));
            }
        }
    }
    Ok(found)
}

/// Compares `dir` with `tree`.
pub fn compare(dir: &Path, tree: &Tree) -> anyhow::Result<Difference> {
    let existing = files_under(dir)?;
    let mut difference = Difference::default();
    for (path, bytes) in &tree.files {
        let on_disk = dir.join(path);
        if !existing.contains(path) {
            difference.added.push(path.clone());
        } else if std::fs::read(&on_disk)
            .with_context(|| format!("cannot read {}", on_disk.display()))?
            != *bytes
        {
            difference.changed.push(path.clone());
        }
    }
    for path in existing {
        if !tree.files.contains_key(&path) {
            difference.removed.push(path);
        }
    }
    Ok(difference)
}

/// Makes `dir` hold exactly `tree` (hidden files aside), touching only what differs.
pub fn write_tree(dir: &Path, tree: &Tree) -> anyhow::Result<Difference> {
    let difference = compare(dir, tree)?;
    for path in difference.added.iter().chain(&difference.changed) {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, &tree.files[path])
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    for path in &difference.removed {
        let target = dir.join(path);
        std::fs::remove_file(&target)
            .with_context(|| format!("cannot remove {}", target.display()))?;
        // Drop directories the removal emptied, up to the managed directory.
        let mut parent = target.parent();
        while let Some(current) = parent {
            if current == dir || std::fs::remove_dir(current).is_err() {
                break;
            }
            parent = current.parent();
        }
    }
    Ok(difference)
}

/// A short list of paths for messages.
pub fn list(prefix: &str, paths: &[String]) -> String {
    paths
        .iter()
        .map(|path| format!("  {prefix} {path}\n"))
        .collect()
}

pub fn run(args: &RenderArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let rendered = match render_clusters(
        &args.files.all(),
        args.outputs.as_deref(),
        args.cluster.as_deref(),
        printer,
    )? {
        Ok(rendered) => rendered,
        Err(code) => return Ok(code),
    };
    let json = args.output == Output::Json;
    let mut failed = false;
    let mut results = Vec::new();
    for cluster in &rendered {
        let dir = args.out.join(&cluster.model.gitops.path);
        note_placeholders(cluster, printer);
        let report = sakk_gitops::converge::check_model(&cluster.model, &cluster.outputs)
            .with_context(|| format!("cluster `{}`: convergence check", cluster.model.name))?;
        let converges = report.findings.is_empty();
        if !json {
            note_convergence(cluster, &report, args.no_check, printer);
        }
        let mut result = serde_json::json!({
            "cluster": cluster.model.name,
            "dir": dir.display().to_string(),
            "files": cluster.tree.files.len(),
            "convergence": report.to_json(),
        });
        if !converges && !args.no_check {
            failed = true;
            result["written"] = serde_json::json!(false);
            results.push(result);
            continue;
        }
        if args.check {
            let difference = compare(&dir, &cluster.tree)?;
            result["up_to_date"] = serde_json::json!(difference.is_empty());
            if difference.is_empty() {
                if !json {
                    printer.success(&format!(
                        "✓ cluster `{}`: {} is up to date ({} files)",
                        cluster.model.name,
                        dir.display(),
                        cluster.tree.files.len()
                    ));
                }
            } else {
                failed = true;
                if !json {
                    printer.message(&format!(
                        "error: cluster `{}`: {} differs from the rendered tree:\n{}{}{}hint: run `sakk render` (or `sakk publish`) and commit the result\n",
                        cluster.model.name,
                        dir.display(),
                        list("+", &difference.added),
                        list("~", &difference.changed),
                        list("-", &difference.removed),
                    ));
                }
            }
        } else {
            let difference = write_tree(&dir, &cluster.tree)?;
            result["written"] = serde_json::json!(true);
            if !json {
                printer.success(&format!(
                    "✓ cluster `{}`: wrote {} ({} files: {} added, {} changed, {} removed)",
                    cluster.model.name,
                    dir.display(),
                    cluster.tree.files.len(),
                    difference.added.len(),
                    difference.changed.len(),
                    difference.removed.len()
                ));
            }
        }
        results.push(result);
    }
    if json {
        printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({ "clusters": results }))?
        ));
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Lists the convergence check's findings: an error (nothing is written), or with
/// `--no-check` a warning; and what the check could not see into.
fn note_convergence(
    cluster: &Rendered,
    report: &sakk_gitops::converge::Report,
    no_check: bool,
    printer: &Printer,
) {
    for line in &report.unchecked {
        printer.message(&format!(
            "note: cluster `{}`: not checked: {line}\n",
            cluster.model.name
        ));
    }
    if report.findings.is_empty() {
        return;
    }
    let lines: String = report
        .findings
        .iter()
        .map(|finding| format!("  {finding}\n"))
        .collect();
    let count = report.findings.len();
    if no_check {
        printer.warning(&format!(
            "cluster `{}`: the tree cannot converge ({count} findings); writing it anyway (--no-check):\n{}",
            cluster.model.name,
            lines.trim_end()
        ));
    } else {
        printer.message(&format!(
            "error: cluster `{}`: the tree cannot converge, nothing written ({count} findings):\n{lines}hint: fix the cluster file or sakk (see docs/gitops.md, \"Convergence check\"); `--no-check` writes it anyway\n",
            cluster.model.name
        ));
    }
}

/// Says which AWS values of a rendered tree are still placeholders.
pub fn note_placeholders(cluster: &Rendered, printer: &Printer) {
    match cluster.placeholders.as_slice() {
        [] => {}
        ["all"] => printer.message(&format!(
            "note: cluster `{}`: AWS values are placeholders (no state of an apply, no --outputs); see docs/gitops.md\n",
            cluster.model.name
        )),
        some => printer.message(&format!(
            "note: cluster `{}`: AWS values come from the state of the last apply; still placeholders: {}; see docs/gitops.md\n",
            cluster.model.name,
            some.join(", ")
        )),
    }
}

/// The outputs of the cluster's last apply, read from its state: what the engine recorded,
/// exact role ARNs in the account it ran in, and placeholders (named in the returned list) for
/// what it does not create. `None` without a state that holds an account.
pub fn outputs_from_state(
    model: &Model,
    dir: &Path,
    printer: &Printer,
) -> Option<(Outputs, Vec<&'static str>)> {
    let selected = super::engine::Selected {
        model: model.clone(),
        dir: dir.to_path_buf(),
    };
    let runtime = super::engine::runtime().ok()?;
    let read = runtime.block_on(async {
        let store = super::engine::store(&selected).await?;
        let description = store.describe();
        store
            .read()
            .await
            .with_context(|| format!("cannot read the state at {description}"))
    });
    match read {
        Ok(Some((state, _))) => Some(outputs_from_foundation(model, &state.outputs)),
        Ok(None) => None,
        Err(error) => {
            printer.message(&format!(
                "note: cluster `{}`: {error:#}; using placeholders for the AWS values\n",
                model.name
            ));
            None
        }
    }
}

/// Outputs from what the engine recorded; see [`outputs_from_state`].
pub fn outputs_from_foundation(
    model: &Model,
    found: &sakk_state::FoundationOutputs,
) -> (Outputs, Vec<&'static str>) {
    let mut placeholders = Vec::new();
    let account = match &found.account_id {
        Some(account) => account.clone(),
        None => {
            placeholders.push("account");
            sakk_gitops::PLACEHOLDER_ACCOUNT.to_owned()
        }
    };
    let mut outputs = sakk_gitops::outputs_in_account(model, &account);
    let mut take = |target: &mut String, value: &Option<String>, name: &'static str| match value {
        Some(value) => value.clone_into(target),
        None => placeholders.push(name),
    };
    take(
        &mut outputs.cluster_endpoint,
        &found.cluster_endpoint,
        "cluster endpoint",
    );
    take(
        &mut outputs.oidc_issuer_url,
        &found.oidc_issuer,
        "OIDC issuer",
    );
    take(&mut outputs.vpc_id, &found.vpc_id, "VPC");
    take(
        &mut outputs.artifact_bucket,
        &found.artifact_bucket,
        "artifact bucket",
    );
    for (domain, zone) in &mut outputs.zone_ids {
        match found.zone_ids.get(domain) {
            Some(id) => id.clone_into(zone),
            None => {
                if !placeholders.contains(&"zone IDs") {
                    placeholders.push("zone IDs");
                }
            }
        }
    }
    for (component, arn) in &found.service_account_roles {
        if let Some(target) = outputs.service_account_role_arns.get_mut(component) {
            arn.clone_into(target);
        }
    }
    if outputs.cognito.is_some() {
        placeholders.push("Cognito");
    }
    if outputs.database.is_some() {
        placeholders.push("RDS endpoint");
    }
    (outputs, placeholders)
}
