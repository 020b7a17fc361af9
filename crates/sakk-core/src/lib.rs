//! sakk's vocabulary, shared by every other crate: source files and spans, diagnostics with field
//! paths and hints, and "did you mean" suggestions.
//!
//! This crate is pure: it performs no IO, reads no clock and depends on no runtime. Libraries
//! never print; they return [`Diagnostics`] and the CLI renders them with [`render`].

mod diagnostic;
mod field;
pub mod outputs;
pub mod render;
mod source;
mod suggest;

pub use diagnostic::{Diagnostic, Diagnostics, Severity, code};
pub use field::{FieldPath, Segment};
pub use outputs::Outputs;
pub use source::{
    LineCol, SourceFile, SourceId, SourceMap, Span, Spanned, ceil_char_boundary,
    floor_char_boundary,
};
pub use suggest::{did_you_mean, suggest};
