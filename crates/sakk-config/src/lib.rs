//! The cluster file: parsing HCL with positions, and reading both accepted forms into one
//! [`ClusterSpec`]:
//!
//! - the SAKK form: Swiss Army Kube for Kubeflow's `main.tf` (`module "..." { source =
//!   "...sak-kubeflow..." }` plus `terraform { backend "s3" {} }`) and its `backend.hcl`;
//! - the native form: `cluster "<name>" { ... }`.
//!
//! Every problem is recorded as a [`sakk_core::Diagnostic`] with file, position, field path and
//! hint; reading never stops at the first one. This crate is pure apart from the thin file
//! readers in [`files`]: no network, no runtime, no clock.

pub mod files;
mod input;
mod native;
mod reader;
mod sakk;
pub mod spec;
mod syntax;

pub use files::{Input, Loaded, load};
pub use input::{MAX_FILE_BYTES, MAX_KEYS_IN_ONE_BLOCK, parse_file};
pub use spec::{ClusterSpec, Form};
