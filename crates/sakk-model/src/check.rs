//! The whole check of a set of cluster files, from bytes to models: what `sakk validate`,
//! `sakk show`, the fuzz target and the benchmark run.

use crate::{Model, validate};
use sakk_config::{ClusterSpec, Input};
use sakk_core::{Diagnostics, SourceMap};

/// Everything known about a set of cluster files once they are read and validated.
#[derive(Debug, Default)]
pub struct Checked {
    /// The files, for rendering diagnostics.
    pub sources: SourceMap,
    /// The clusters as written, in file order.
    pub clusters: Vec<ClusterSpec>,
    /// The resolved clusters, in file order; empty when there is any error.
    pub models: Vec<Model>,
    /// Every problem of reading and of validation, sorted by position.
    pub diagnostics: Diagnostics,
}

/// Reads, classifies and validates `inputs`, reporting every problem at once.
pub fn check(inputs: &[Input]) -> Checked {
    let loaded = sakk_config::load(inputs);
    let validated = validate(&loaded.clusters);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(validated.diagnostics);
    diagnostics.absorb_missing();
    diagnostics.sort();
    let mut sources = loaded.sources;
    // Secrets written where an ARN belongs never reach a terminal or a log.
    for span in diagnostics
        .iter()
        .filter_map(|diagnostic| diagnostic.conceal)
    {
        sources.conceal(span);
    }
    let models = if diagnostics.has_errors() {
        Vec::new()
    } else {
        validated.models
    };
    Checked {
        sources,
        clusters: loaded.clusters,
        models,
        diagnostics,
    }
}
