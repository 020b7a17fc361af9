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
    if session.validated.diagnostics.has_errors() {
        return Ok(code);
    }
    for model in &session.validated.models {
        printer.message("\nThe resolved model (every default and derived name):\n\n");
        printer.data(&crate::to_hcl(model));
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
    Ok(ExitCode::SUCCESS)
}
