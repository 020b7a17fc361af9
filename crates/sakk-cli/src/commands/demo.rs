//! `sakk demo`: the built-in example cluster, end to end, offline.

use crate::args::{DemoArgs, Output};
use crate::load::load_inputs;
use crate::output::Printer;
use anyhow::Context;
use sakk_config::Input;
use std::process::ExitCode;

pub fn run(args: &DemoArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", args.dir.display()))?;
    let remote = dir.join("gitops.git");
    let text = crate::EXAMPLE_CLUSTER.replace(
        "file:///srv/git/platform.git",
        &format!("file://{}", remote.display()),
    );
    let cluster_file = dir.join("cluster.hcl");
    std::fs::write(&cluster_file, &text)
        .with_context(|| format!("cannot write {}", cluster_file.display()))?;
    printer.message(&format!("sakk demo: wrote {}\n\n", cluster_file.display()));
    let session = load_inputs(&[Input {
        name: cluster_file.display().to_string(),
        bytes: text.into_bytes(),
        dir: dir.display().to_string(),
    }]);
    let code = super::validate::report(&session, Output::Human, printer);
    if session.diagnostics.has_errors() {
        return Ok(code);
    }
    for model in &session.models {
        printer.message("\nThe resolved model (every default and derived name):\n\n");
        printer.data(&sakk_model::show::to_hcl(model));
        printer.message(
            "\nThe AWS plan (from the empty local state: no AWS account is needed for this):\n\n",
        );
        let selected = super::engine::Selected {
            model: model.clone(),
            dir: dir.clone(),
        };
        let plan = super::plan::demo_plan(&selected)?;
        let style = if printer.color() == sakk_core::render::Color::Always {
            sakk_plan::render::Style::Color
        } else {
            sakk_plan::render::Style::Plain
        };
        printer.data(&sakk_plan::render::human(&plan, style));
    }
    if !remote.join("HEAD").exists() {
        let status = std::process::Command::new("git")
            .args(["init", "--quiet", "--bare", "--initial-branch=main"])
            .arg(&remote)
            .status()
            .map_err(|error| {
                crate::user_error(
                    format!("cannot run git: {error}"),
                    "install git: the demo publishes the platform to a local repository",
                )
            })?;
        if !status.success() {
            anyhow::bail!("git init --bare {} failed", remote.display());
        }
    }
    for model in &session.models {
        let outputs = sakk_gitops::placeholder_outputs(model);
        let tree = sakk_gitops::render(model, &outputs)?;
        let rendered = super::render::Rendered {
            model: model.clone(),
            tree,
            dir: dir.clone(),
            placeholders: vec!["all"],
            outputs,
        };
        let work = super::publish::work_dir(&rendered);
        printer.message(&format!(
            "\nThe platform: {} files rendered (AWS values are placeholders until `sakk apply`)\n",
            rendered.tree.files.len()
        ));
        match super::publish::publish(&rendered, &work)? {
            Some((head, _)) => printer.success(&format!(
                "✓ published commit {head} to {} ({}/); browse it with `git -C {} show --stat HEAD`",
                model.gitops.repo_url,
                model.gitops.path,
                remote.display()
            )),
            None => printer.success(&format!(
                "✓ {} already holds this platform; nothing to commit",
                model.gitops.repo_url
            )),
        }
    }
    Ok(ExitCode::SUCCESS)
}
