//! The sakk command line: argument parsing, one function per command, and output for people
//! (stderr, optional colour) and programs (`--output json` on stdout).
//!
//! Libraries below this crate never print; this crate decides what reaches the terminal and
//! which exit code the process returns (0 ok, 1 user error, 2 changes with
//! `--detailed-exitcode`, 101 bug).

pub mod args;
mod commands;
mod example;

mod load;
mod output;

pub use example::EXAMPLE_CLUSTER;

use args::Cli;
use clap::Parser;
use std::process::ExitCode;

/// An error the user can fix: printed without a backtrace, exit code 1.
#[derive(Debug)]
pub struct UserError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// A user error with a hint.
pub fn user_error(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UserError {
        message: message.into(),
        hint: Some(hint.into()),
    })
}

/// Runs sakk with the process arguments.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|location| format!(" at {location}"))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        output::eprint(&format!(
            "error: sakk hit a bug{location}: {payload}\nhint: please report it with the command you ran; nothing after this point was done\n"
        ));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Asking for help or the version succeeds; anything else, including no command at
            // all (clap then shows the help), is a usage error.
            let code = match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 1,
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(code) => code,
        Err(_) => ExitCode::from(101),
    }
}

/// Runs a parsed command line and reports errors.
pub fn run(cli: Cli) -> ExitCode {
    let printer = output::Printer::new(cli.color);
    match commands::dispatch(cli.command, &printer) {
        Ok(code) => code,
        Err(error) => {
            printer.error(&error);
            ExitCode::from(1)
        }
    }
}
