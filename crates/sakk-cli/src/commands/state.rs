//! `sakk state list|show|unlock|pull|push|history|restore`.

use super::engine::{Held, Selected, runtime, select, state_error, store, under_lock};
use super::plan::read_state;
use crate::args::{
    Output, StateCommand, StateHistoryArgs, StatePullArgs, StatePushArgs, StateRestoreArgs,
    StateUnlockArgs, Target,
};
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_state::clock::format_time;
use sakk_state::{State, StateError, StateStore};
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(command: &StateCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = match command {
        StateCommand::List(args) => &args.target,
        StateCommand::Show(args) => &args.target,
        StateCommand::Unlock(args) => return unlock(args, printer),
        StateCommand::Pull(args) => return pull(args, printer),
        StateCommand::Push(args) => return push(args, printer),
        StateCommand::History(args) => return history(args, printer),
        StateCommand::Restore(args) => return restore(args, printer),
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
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The cluster, or the exit code of invalid cluster files.
fn selected(target: &Target, printer: &Printer) -> anyhow::Result<Result<Selected, ExitCode>> {
    select(target, printer)
}

/// `sakk state unlock LOCK_ID [--force]`.
fn unlock(args: &StateUnlockArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match selected(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        let store = store(&selected).await?;
        Ok::<_, anyhow::Error>(store.force_unlock(&args.lock_id, args.force).await)
    })?;
    match outcome {
        Ok(record) => {
            printer.success(&format!(
                "Released lock {} on {}: it was held by {} for `{}` since {}{}.",
                record.id,
                record.state,
                record.holder,
                record.operation,
                format_time(record.acquired_ms),
                if args.force { " (forced)" } else { "" }
            ));
            printer.message(
                "If that run was still writing, its writes are now refused (its fencing counter \
                 is older than the next holder's). Check with `sakk plan` before the next apply.\n",
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(StateError::NotLocked { lock }) => {
            printer.message(&format!("{lock} is not locked: nothing to release.\n"));
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ StateError::LeaseFresh { .. }) => Err(crate::user_error(
            error.to_string(),
            format!(
                "if you know that run is dead (killed, its machine gone), release it now with \
                 `sakk state unlock {} --force`; otherwise wait for it, or for its lease to run out",
                args.lock_id
            ),
        )),
        Err(error @ StateError::WrongLockId { .. }) => Err(crate::user_error(
            error.to_string(),
            "name the lock ID of the current lock (the error of the command that found it held prints it)",
        )),
        Err(error @ StateError::Unsupported { .. }) => Err(crate::user_error(
            error.to_string(),
            "nothing to do for a local state: its lock cannot outlive its process",
        )),
        Err(error) => Err(state_error(error, "cannot release the lock")),
    }
}

/// `sakk state pull`.
fn pull(args: &StatePullArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match selected(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    match read_state(&selected)? {
        Some((state, _)) => {
            printer.data(&String::from_utf8_lossy(&state.to_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        None => Err(crate::user_error(
            format!("no state for cluster `{}` yet", selected.model.name),
            "`sakk apply` creates it",
        )),
    }
}

/// Reads a state file given on the command line.
fn read_file(path: &std::path::Path) -> anyhow::Result<State> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    State::from_bytes(&path.display().to_string(), &bytes).map_err(|error| {
        crate::user_error(
            error.to_string(),
            "push a file written by `sakk state pull` (or a state file of a local backend)",
        )
    })
}

/// Writes `state` as the next serial over whatever is stored, under the held lock.
async fn replace(
    store: &Arc<dyn StateStore>,
    lease: &sakk_state::Lease,
    mut state: State,
) -> anyhow::Result<(State, Option<State>)> {
    let current = store
        .read()
        .await
        .map_err(|error| state_error(error, "cannot read the state"))?;
    let (previous, version) = match current {
        Some((state, version)) => (Some(state), Some(version)),
        None => (None, None),
    };
    if let Some(previous) = &previous {
        // The serial grows with every write, so a plan saved against any earlier state is
        // refused.
        state.serial = state.serial.max(previous.serial + 1);
    }
    // The counter in a file says nothing about the lock held now: the write carries this
    // lease's.
    state.fencing = lease.fencing;
    store
        .write(&state, version.as_ref(), Some(lease))
        .await
        .map_err(|error| state_error(error, "cannot write the state"))?;
    Ok((state, previous))
}

/// `sakk state push FILE [--force]`.
fn push(args: &StatePushArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let pushed = read_file(&args.file)?;
    let selected = match selected(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    if pushed.cluster != selected.model.name {
        return Err(crate::user_error(
            format!(
                "{} holds the state of cluster `{}`, not `{}`",
                args.file.display(),
                pushed.cluster,
                selected.model.name
            ),
            "push it with `--cluster` naming its cluster",
        ));
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let store = store(&selected).await?;
        let held = Held::take(&store, "state push", args.lock.lock_timeout, printer).await?;
        let lease = held.lease.clone();
        let work = async {
            let current = store
                .read()
                .await
                .map_err(|error| state_error(error, "cannot read the state"))?;
            if let Some((current, _)) = &current {
                if !args.force && current.lineage != pushed.lineage {
                    return Err(crate::user_error(
                        format!(
                            "{} has lineage {}, but {} holds lineage {}: they are the states of \
                             different lives of the cluster",
                            args.file.display(),
                            pushed.lineage,
                            store.describe(),
                            current.lineage
                        ),
                        "if you are sure the file is the right state, push it with `--force`",
                    ));
                }
                if !args.force && pushed.serial < current.serial {
                    return Err(crate::user_error(
                        format!(
                            "{} has serial {}, older than the stored state's {}",
                            args.file.display(),
                            pushed.serial,
                            current.serial
                        ),
                        "pull the current state (`sakk state pull`) and change that instead, or \
                         push with `--force` to go back on purpose",
                    ));
                }
                if current.resources == pushed.resources
                    && current.journal == pushed.journal
                    && current.generations == pushed.generations
                    && current.lineage == pushed.lineage
                    && current.account == pushed.account
                    && current.outputs == pushed.outputs
                {
                    printer.message("The stored state already holds this: nothing to push.\n");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let (written, _) = replace(&store, &lease, pushed.clone()).await?;
            printer.success(&format!(
                "Pushed {} to {} as serial {}.",
                args.file.display(),
                store.describe(),
                written.serial
            ));
            Ok(ExitCode::SUCCESS)
        };
        under_lock(held, printer, work).await
    })
}

/// `sakk state history`.
fn history(args: &StateHistoryArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match selected(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let runtime = runtime()?;
    let entries = runtime.block_on(async {
        let store = store(&selected).await?;
        match store.history(args.limit).await {
            Ok(entries) => Ok(entries),
            Err(StateError::Unsupported { .. }) => Err(crate::user_error(
                format!(
                    "history is not available for a local state ({}): it keeps only the current file",
                    store.describe()
                ),
                "the S3 backend keeps every version: configure `backend \"s3\"` and run `sakk init --migrate-state`",
            )),
            Err(error) => Err(state_error(error, "cannot list the versions of the state")),
        }
    })?;
    match args.output {
        Output::Json => printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&entries).context("cannot serialize")?
        )),
        Output::Human => {
            let rows: Vec<[String; 6]> = entries
                .iter()
                .map(|entry| {
                    let dash = || "-".to_owned();
                    [
                        format!(
                            "{}{}",
                            entry.version_id,
                            if entry.current { " *" } else { "" }
                        ),
                        format_time(entry.written_ms),
                        if entry.deleted {
                            "(deleted)".to_owned()
                        } else {
                            entry.serial.map_or_else(dash, |serial| serial.to_string())
                        },
                        entry
                            .fencing
                            .map_or_else(dash, |fencing| fencing.to_string()),
                        entry.operation.clone().unwrap_or_else(dash),
                        entry.writer.clone().unwrap_or_else(dash),
                    ]
                })
                .collect();
            let header = [
                "VERSION",
                "WRITTEN (UTC)",
                "SERIAL",
                "FENCING",
                "OPERATION",
                "WRITER",
            ]
            .map(str::to_owned);
            let mut widths = header.clone().map(|cell| cell.len());
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.len());
                }
            }
            let mut text = String::new();
            for row in std::iter::once(&header).chain(&rows) {
                let cells: Vec<String> = row
                    .iter()
                    .zip(widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                text.push_str(cells.join("  ").trim_end());
                text.push('\n');
            }
            printer.data(&text);
            if entries.iter().any(|entry| entry.version_id == "null") {
                printer.warning(
                    "the bucket keeps no versions (versioning is off): only the current state \
                     can be read. Enable versioning on it to keep a history",
                );
            }
            printer.message(&format!(
                "{} version(s), newest first; * marks the current one. Restore one with `sakk state restore VERSION`.\n",
                entries.len()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sakk state restore VERSION`.
fn restore(args: &StateRestoreArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match selected(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let store = store(&selected).await?;
        let held = Held::take(&store, "state restore", args.lock.lock_timeout, printer).await?;
        let lease = held.lease.clone();
        let work = async {
            let old = match store.read_version(&args.version).await {
                Ok(old) => old,
                Err(StateError::Unsupported { .. }) => {
                    return Err(crate::user_error(
                        format!(
                            "earlier versions are not available for a local state ({})",
                            store.describe()
                        ),
                        "the S3 backend keeps every version; for a local state, push a backup \
                         with `sakk state push FILE`",
                    ));
                }
                Err(error) => {
                    return Err(state_error(
                        error,
                        &format!("cannot read version {}", args.version),
                    ));
                }
            };
            if old.cluster != selected.model.name {
                return Err(crate::user_error(
                    format!(
                        "version {} holds the state of cluster `{}`, not `{}`",
                        args.version, old.cluster, selected.model.name
                    ),
                    "restore it with `--cluster` naming its cluster",
                ));
            }
            let current = store
                .read()
                .await
                .map_err(|error| state_error(error, "cannot read the state"))?;
            if let Some((current, _)) = &current
                && current.lineage != old.lineage
                && !args.force
            {
                return Err(crate::user_error(
                    format!(
                        "version {} has lineage {}, the current state {}: another life of the cluster",
                        args.version, old.lineage, current.lineage
                    ),
                    "if that is the state you want back, restore it with `--force`",
                ));
            }
            let old_serial = old.serial;
            let (written, previous) = replace(&store, &lease, old).await?;
            printer.success(&format!(
                "Restored version {} (serial {old_serial}) as serial {} of {}.",
                args.version,
                written.serial,
                store.describe()
            ));
            if let Some(previous) = previous {
                printer.message(&format!(
                    "The state it replaced (serial {}) stays in `sakk state history`. Run `sakk plan` to see how AWS compares.\n",
                    previous.serial
                ));
            }
            Ok(ExitCode::SUCCESS)
        };
        under_lock(held, printer, work).await
    })
}
