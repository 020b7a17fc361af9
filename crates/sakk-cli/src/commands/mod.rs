//! One function per command. Each takes its arguments and the printer and returns the exit code.

mod demo;
mod engine;
mod init;
mod kube;
mod new;
mod output;
mod plan;
mod publish;
mod render;
mod show;
mod state;
mod validate;
mod version;
mod versions;

use crate::args::Command;
use crate::output::Printer;
use std::process::ExitCode;

/// Runs one command.
pub fn dispatch(command: Command, printer: &Printer) -> anyhow::Result<ExitCode> {
    match command {
        Command::Validate(args) => validate::run(&args, printer),
        Command::Show(args) => show::run(&args, printer),
        Command::New(args) => new::run(&args, printer),
        Command::Render(args) => render::run(&args, printer),
        Command::Publish(args) => publish::run(&args, printer),
        Command::Versions(args) => versions::run(&args, printer),
        Command::Init(args) => init::run(&args, printer),
        Command::Plan(args) => plan::run(&args, printer),
        Command::Apply(args) => plan::apply(&args, printer),
        Command::Destroy(args) => plan::destroy(&args, printer),
        Command::State(command) => state::run(&command, printer),
        Command::Output(args) => output::run(&args, printer),
        Command::Kubeconfig(args) => kube::kubeconfig(&args, printer),
        Command::Token(args) => kube::token(&args, printer),
        Command::Demo(args) => demo::run(&args, printer),
        Command::Version(args) => version::run(&args, printer),
        Command::Completions(args) => {
            let mut command = <crate::args::Cli as clap::CommandFactory>::command();
            let mut buffer = Vec::new();
            clap_complete::generate(args.shell, &mut command, "sakk", &mut buffer);
            printer.data(&String::from_utf8_lossy(&buffer));
            Ok(ExitCode::SUCCESS)
        }
    }
}
