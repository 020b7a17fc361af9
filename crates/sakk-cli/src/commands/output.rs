//! `sakk output`: the AWS outputs of the cluster's last apply, as the JSON `render --outputs`
//! reads.

use crate::args::OutputArgs;
use crate::output::Printer;
use crate::user_error;
use std::process::ExitCode;

pub fn run(args: &OutputArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match super::engine::select(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let Some((outputs, placeholders)) =
        super::render::outputs_from_state(&selected.model, &selected.dir, printer)
    else {
        return Err(user_error(
            format!(
                "cluster `{}` has no state with outputs yet",
                selected.model.name
            ),
            "run `sakk apply` first; until then `sakk render` uses documented placeholders",
        ));
    };
    if !placeholders.is_empty() {
        printer.message(&format!(
            "note: cluster `{}`: still placeholders: {}; see docs/gitops.md\n",
            selected.model.name,
            placeholders.join(", ")
        ));
    }
    printer.data(&format!("{}\n", serde_json::to_string_pretty(&outputs)?));
    Ok(ExitCode::SUCCESS)
}
