//! `sakk version`.

use crate::args::{Output, VersionArgs};
use crate::output::Printer;
use sakk_model::catalog;
use std::process::ExitCode;

pub fn run(args: &VersionArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let version = env!("CARGO_PKG_VERSION");
    let releases: Vec<&str> = catalog::RELEASES
        .iter()
        .map(|release| release.name)
        .collect();
    match args.output {
        Output::Json => {
            let value = serde_json::json!({
                "version": version,
                "kubeflow_releases": releases,
                "default_kubeflow_release": catalog::DEFAULT_RELEASE,
            });
            printer.data(&format!("{}\n", serde_json::to_string_pretty(&value)?));
        }
        Output::Human => {
            printer.data(&format!(
                "sakk {version}\nKubeflow releases: {} (default {})\n",
                releases.join(", "),
                catalog::DEFAULT_RELEASE
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
