//! `sakk state list` and `sakk state show`.

use super::engine::select;
use super::plan::read_state;
use crate::args::{Output, StateCommand};
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use std::process::ExitCode;

pub fn run(command: &StateCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = match command {
        StateCommand::List(args) => &args.target,
        StateCommand::Show(args) => &args.target,
    };
    let selected = match select(target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let Some((state, _)) = read_state(&selected)? else {
        printer.message(&format!(
            "No state for cluster `{}` yet: `sakk apply` creates it.\n",
            selected.model.name
        ));
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        StateCommand::List(args) => match args.output {
            Output::Json => {
                let list: Vec<serde_json::Value> = state
                    .resources
                    .iter()
                    .map(|(address, resource)| {
                        serde_json::json!({ "address": address, "id": resource.id })
                    })
                    .collect();
                printer.data(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&list).context("cannot serialize")?
                ));
            }
            Output::Human => {
                let width = state
                    .resources
                    .keys()
                    .map(|address| address.as_str().len())
                    .max()
                    .unwrap_or(0);
                let mut text = String::new();
                for (address, resource) in &state.resources {
                    text.push_str(&format!("{:<width$}  {}\n", address.as_str(), resource.id));
                }
                printer.data(&text);
                let pending = state.journal.len();
                printer.message(&format!(
                    "{} resources; state serial {}, lineage {}{}\n",
                    state.resources.len(),
                    state.serial,
                    state.lineage,
                    if pending > 0 {
                        format!("; {pending} operation(s) were in flight when a run stopped (the next apply finishes them)")
                    } else {
                        String::new()
                    }
                ));
            }
        },
        StateCommand::Show(args) => {
            let value = match &args.address {
                None => serde_json::to_value(&state).context("cannot serialize")?,
                Some(address) => {
                    let found = state
                        .resources
                        .iter()
                        .find(|(key, _)| key.as_str() == address)
                        .map(|(_, resource)| resource)
                        .ok_or_else(|| {
                            user_error(
                                format!("no `{address}` in the state"),
                                "list the addresses with `sakk state list`",
                            )
                        })?;
                    serde_json::to_value(found).context("cannot serialize")?
                }
            };
            printer.data(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).context("cannot serialize")?
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
