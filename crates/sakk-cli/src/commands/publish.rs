//! `sakk publish`: commit each cluster's GitOps tree to its repository and push it, with the
//! `git` command line (so users' credential helpers, SSH agents and config apply; see
//! docs/adr/0005-git-command-line-for-publish.md).

use super::render::{Difference, Rendered, render_clusters, write_tree};
use crate::args::PublishArgs;
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Runs git in `dir`, returning stdout; a failure is a user error carrying git's message.
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Never wait for a password on a terminal: publishing must not hang in CI.
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|error| {
            user_error(
                format!("cannot run git: {error}"),
                "install git; sakk publish uses it to clone, commit and push",
            )
        })?;
    if !output.status.success() {
        return Err(user_error(
            format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            "check the repository URL, the branch and your git credentials",
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Clones the repository into `work`, or brings an existing clone up to date, on `branch`
/// (created if the remote has no such branch yet).
fn checkout(work: &Path, url: &str, branch: &str) -> anyhow::Result<()> {
    if !work.join(".git").exists() {
        if let Some(parent) = work.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let parent = work.parent().unwrap_or(Path::new("."));
        let name = work
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "gitops".to_owned());
        git(parent, &["clone", "--quiet", "--no-checkout", url, &name])?;
    } else {
        git(work, &["remote", "set-url", "origin", url])?;
    }
    let remote_branch = git(work, &["ls-remote", "--heads", "origin", branch])?;
    if remote_branch.trim().is_empty() {
        // An empty repository or a new branch: start it from nothing.
        git(work, &["checkout", "--quiet", "--orphan", branch])?;
        let _ = git(
            work,
            &["rm", "-r", "--quiet", "--cached", "--ignore-unmatch", "."],
        );
    } else {
        git(work, &["fetch", "--quiet", "origin", branch])?;
        git(work, &["checkout", "--quiet", "-B", branch, "FETCH_HEAD"])?;
        git(work, &["reset", "--quiet", "--hard", "FETCH_HEAD"])?;
    }
    git(work, &["clean", "--quiet", "-fdx"])?;
    Ok(())
}

/// The application a tree path belongs to (`<app>.yaml` or `manifests/<app>/...`).
fn application_of(path: &str) -> Option<String> {
    let mut parts = path.split('/');
    match (parts.next(), parts.next()) {
        (Some("manifests"), Some(app)) => Some(app.to_owned()),
        (Some(file), None) => file.strip_suffix(".yaml").map(str::to_owned),
        _ => None,
    }
}

/// The commit message: a summary line and what changed, by application then by file.
pub fn commit_message(cluster: &str, path: &str, difference: &Difference) -> String {
    let apps = |paths: &[String]| -> BTreeSet<String> {
        paths
            .iter()
            .filter_map(|path| application_of(path))
            .collect()
    };
    let added_apps: BTreeSet<String> = difference
        .added
        .iter()
        .filter(|path| path.ends_with(".yaml") && !path.contains('/'))
        .filter_map(|path| application_of(path))
        .collect();
    let removed_apps: BTreeSet<String> = difference
        .removed
        .iter()
        .filter(|path| path.ends_with(".yaml") && !path.contains('/'))
        .filter_map(|path| application_of(path))
        .collect();
    let mut changed_apps = apps(&difference.added);
    changed_apps.extend(apps(&difference.changed));
    changed_apps.extend(apps(&difference.removed));
    let changed_apps: Vec<String> = changed_apps
        .into_iter()
        .filter(|app| !added_apps.contains(app) && !removed_apps.contains(app))
        .collect();
    let mut summary = Vec::new();
    if !added_apps.is_empty() {
        summary.push(format!("add {}", join(&added_apps)));
    }
    if !changed_apps.is_empty() {
        summary.push(format!("update {}", changed_apps.join(", ")));
    }
    if !removed_apps.is_empty() {
        summary.push(format!("remove {}", join(&removed_apps)));
    }
    let mut message = format!("sakk: {cluster}: {}\n\n", summary.join("; "));
    message.push_str(&format!(
        "Rendered by sakk {} into {path}/: {} added, {} changed, {} removed.\n\n",
        env!("CARGO_PKG_VERSION"),
        difference.added.len(),
        difference.changed.len(),
        difference.removed.len()
    ));
    for (sign, paths) in [
        ("+", &difference.added),
        ("~", &difference.changed),
        ("-", &difference.removed),
    ] {
        for file in paths {
            message.push_str(&format!("{sign} {file}\n"));
        }
    }
    message
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Publishes one cluster; returns the commit made, if any.
pub fn publish(cluster: &Rendered, work: &Path) -> anyhow::Result<Option<(String, Difference)>> {
    let gitops = &cluster.model.gitops;
    checkout(work, &gitops.repo_url, &gitops.branch)?;
    let managed = work.join(&gitops.path);
    let difference = write_tree(&managed, &cluster.tree)?;
    git(work, &["add", "--all", "--", &gitops.path])?;
    let staged = git(
        work,
        &["diff", "--cached", "--name-only", "--", &gitops.path],
    )?;
    if staged.trim().is_empty() {
        return Ok(None);
    }
    let message = commit_message(&cluster.model.name, &gitops.path, &difference);
    let mut commit: Vec<String> = Vec::new();
    // Respect the user's identity; fall back to sakk's when git has none.
    if git(work, &["config", "user.email"]).is_err() {
        commit.extend(["-c".into(), "user.name=sakk".into()]);
        commit.extend([
            "-c".into(),
            format!("user.email=sakk@{}", cluster.model.name),
        ]);
    }
    commit.extend([
        "commit".into(),
        "--quiet".into(),
        "--no-verify".into(),
        "-m".into(),
        message,
        "--".into(),
        gitops.path.clone(),
    ]);
    let arguments: Vec<&str> = commit.iter().map(String::as_str).collect();
    git(work, &arguments)?;
    let head = git(work, &["rev-parse", "--short", "HEAD"])?
        .trim()
        .to_owned();
    git(
        work,
        &[
            "push",
            "--quiet",
            "origin",
            &format!("HEAD:refs/heads/{}", gitops.branch),
        ],
    )?;
    Ok(Some((head, difference)))
}

/// The working clone of a cluster: under its state directory, next to its cluster file.
pub fn work_dir(cluster: &Rendered) -> PathBuf {
    cluster
        .dir
        .join(".sakk")
        .join(&cluster.model.name)
        .join("gitops")
}

pub fn run(args: &PublishArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let rendered = match render_clusters(
        &args.files.all(),
        args.outputs.as_deref(),
        args.cluster.as_deref(),
        printer,
    )? {
        Ok(rendered) => rendered,
        Err(code) => return Ok(code),
    };
    for cluster in &rendered {
        super::render::note_placeholders(cluster, printer);
        let work = work_dir(cluster);
        let gitops = &cluster.model.gitops;
        match publish(cluster, &work)
            .with_context(|| format!("cannot publish cluster `{}`", cluster.model.name))?
        {
            None => printer.success(&format!(
                "✓ cluster `{}`: {}@{} {}/ is up to date; nothing to commit",
                cluster.model.name, gitops.repo_url, gitops.branch, gitops.path
            )),
            Some((head, difference)) => printer.success(&format!(
                "✓ cluster `{}`: pushed {head} to {}@{} ({}/: {} added, {} changed, {} removed)",
                cluster.model.name,
                gitops.repo_url,
                gitops.branch,
                gitops.path,
                difference.added.len(),
                difference.changed.len(),
                difference.removed.len()
            )),
        }
    }
    Ok(ExitCode::SUCCESS)
}
