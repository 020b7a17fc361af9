//! `sakk validate`: every problem of the cluster files, at once.

use crate::args::{Output, ValidateArgs};
use crate::load::{Session, load};
use crate::output::Printer;
use sakk_config::Form;
use std::process::ExitCode;

pub fn run(args: &ValidateArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let session = load(&args.files.all())?;
    Ok(report(&session, args.output, printer))
}

/// Prints the diagnostics of a session (and a summary) and returns 0 or 1.
pub fn report(session: &Session, output: Output, printer: &Printer) -> ExitCode {
    let diagnostics = &session.diagnostics;
    let sources = &session.sources;
    match output {
        Output::Json => {
            let mut value = sakk_core::render::json(diagnostics, sources);
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "clusters".into(),
                    session
                        .models
                        .iter()
                        .map(|model| serde_json::Value::String(model.name.clone()))
                        .collect(),
                );
            }
            printer.data(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ));
        }
        Output::Human => {
            printer.message(&sakk_core::render::human_at_most(
                diagnostics,
                sources,
                printer.color(),
                crate::output::SHOWN_AT_MOST,
            ));
            if diagnostics.has_errors() {
                let errors = diagnostics.error_count();
                let warnings = diagnostics.warning_count();
                let files: Vec<&str> = session
                    .sources
                    .iter()
                    .map(|(_, file)| file.name.as_str())
                    .collect();
                printer.message(&format!(
                    "error: {} {} found in {}{}; nothing was changed\n",
                    errors,
                    if errors == 1 { "problem" } else { "problems" },
                    files.join(", "),
                    if warnings > 0 {
                        format!(
                            " (and {warnings} warning{})",
                            if warnings == 1 { "" } else { "s" }
                        )
                    } else {
                        String::new()
                    }
                ));
            } else {
                for (model, spec) in session.models.iter().zip(&session.clusters) {
                    let form = match spec.form {
                        Form::Sakk => "SAKK form",
                        Form::Native => "native form",
                    };
                    let file = sources
                        .get(spec.source)
                        .map_or("", |file| file.name.as_str());
                    printer.success(&format!(
                        "✓ cluster `{}` is valid ({form}, {file})",
                        model.name
                    ));
                }
            }
        }
    }
    if diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
