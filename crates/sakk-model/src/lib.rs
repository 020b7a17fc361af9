//! From what the user wrote to what sakk will build: validation of every rule (all problems at
//! once), defaults, derived names, the component catalog and the version table.
//!
//! This crate is pure: no IO, no clock, no randomness. The same specification always gives the
//! same [`Model`], byte for byte once serialized.

pub mod catalog;
mod check;
pub mod checks;
pub mod model;
pub mod naming;
pub mod regions;
pub mod show;
mod validate;

pub use check::{Checked, check};
pub use model::Model;
pub use validate::{Validated, resolve, validate};
