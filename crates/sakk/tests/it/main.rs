//! End-to-end tests of the `sakk` binary: every test runs the built binary as a user would, in
//! a directory of its own, and checks exit codes, stdout, stderr and files.
//!
//! - `broken`: every file of `tests/broken/` fails validation at the expected line and column,
//!   with a snapshot of the rendered diagnostics;
//! - `seed`: the SAKK article's example as printed, the filled-in examples and their equality;
//! - `commands`: `validate --output json`, `show`, `version`, `completions`, usage errors, help,
//!   directories, fleets and `demo`;
//! - `new`: `sakk new` without a terminal; `new_terminal`: on a pseudo-terminal, answering its
//!   questions;
//! - `fuzz_regressions`: inputs that once crashed the fuzz target.

mod broken;
mod commands;
mod fuzz_regressions;
mod new;
mod new_terminal;
mod seed;
mod support;
