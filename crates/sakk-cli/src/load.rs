//! Finding, reading and validating the cluster files a command acts on.

use crate::user_error;
use anyhow::Context;
use sakk_config::Input;
use std::path::{Path, PathBuf};

/// The clusters of one invocation: files, specifications, models and diagnostics.
pub type Session = sakk_model::Checked;

/// Reads `files` (or the cluster files of the current directory) and validates them.
pub fn load(files: &[PathBuf]) -> anyhow::Result<Session> {
    let paths = if files.is_empty() {
        let found = sakk_config::files::discover(Path::new("."))
            .context("cannot list the current directory")?;
        if found.is_empty() {
            let dir = std::env::current_dir()
                .map(|dir| dir.display().to_string())
                .unwrap_or_else(|_| ".".into());
            return Err(user_error(
                format!("no cluster files (main.tf, *.hcl) in {dir}"),
                "write one with `sakk new`, or name the files: `sakk validate path/to/cluster.hcl`",
            ));
        }
        found
    } else {
        for file in files {
            if !file.exists() {
                return Err(user_error(
                    format!("`{}` does not exist", file.display()),
                    "name a cluster file (main.tf or *.hcl) or a directory holding some",
                ));
            }
        }
        files.to_vec()
    };
    let inputs = sakk_config::files::read_paths(&paths).context("cannot read the cluster files")?;
    Ok(load_inputs(&inputs))
}

/// Validates inputs already in memory.
pub fn load_inputs(inputs: &[Input]) -> Session {
    sakk_model::check(inputs)
}
