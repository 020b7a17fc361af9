//! The built-in example cluster used by `sakk demo` and the README quick start.

/// A complete native cluster file. `sakk demo` points its GitOps remote at a local bare
/// repository, so nothing leaves the machine.
pub const EXAMPLE_CLUSTER: &str = include_str!("example.hcl");
