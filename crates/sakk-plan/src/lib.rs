//! What sakk builds in AWS for one cluster, and what it will change.
//!
//! - [`resource`]: the resource kinds, their addresses and their specifications (what AWS should
//!   hold), with references to other resources written `${address.attribute}`.
//! - [`build`]: the desired graph derived from a [`sakk_model::Model`].
//! - [`observed`]: what exists, as the executor read it (or as the state last recorded it).
//! - [`diff`] and [`plan`]: the field-level comparison and the [`Plan`] with its actions.
//! - [`render`]: the plan for people.
//!
//! Pure: no IO, no clock, no randomness; the same inputs give the same plan, byte for byte.

pub mod build;
pub mod diff;
pub mod graph;
pub mod observed;
pub mod plan;
mod policies;
pub mod reference;
pub mod render;
pub mod resource;

pub use build::desired;
pub use diff::FieldChange;
pub use graph::Desired;
pub use observed::{Live, Observed, Status};
pub use plan::{Action, Change, Plan, PlanError, PriorResource, PriorState, Source};
pub use resource::{Address, Kind, Spec};
