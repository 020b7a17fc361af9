//! `sakk show`: the resolved model of each cluster.

use crate::args::{Output, ShowArgs, ShowFormat};
use crate::load::load;
use crate::output::Printer;
use crate::user_error;
use std::process::ExitCode;

pub fn run(args: &ShowArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let session = load(&args.files.all())?;
    if session.diagnostics.has_errors() {
        let output = match args.output {
            ShowFormat::Json => Output::Json,
            ShowFormat::Hcl => Output::Human,
        };
        return Ok(super::validate::report(&session, output, printer));
    }
    printer.message(&sakk_core::render::human_at_most(
        &session.diagnostics,
        &session.sources,
        printer.color(),
        crate::output::SHOWN_AT_MOST,
    ));
    let models: Vec<&sakk_model::Model> = session
        .models
        .iter()
        .filter(|model| {
            args.cluster
                .as_deref()
                .is_none_or(|name| model.name == name)
        })
        .collect();
    if let (Some(name), true) = (&args.cluster, models.is_empty()) {
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
    let text = match args.output {
        ShowFormat::Json => {
            let value = if models.len() == 1 {
                serde_json::to_value(models[0])?
            } else {
                serde_json::to_value(&models)?
            };
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        ShowFormat::Hcl => models
            .iter()
            .map(|model| sakk_model::show::to_hcl(model))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    printer.data(&text);
    Ok(ExitCode::SUCCESS)
}
