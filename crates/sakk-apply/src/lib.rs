//! The executor of sakk's plans.
//!
//! - [`Engine::plan`] observes what exists (batched reads by ownership tag; see `observe`) and
//!   diffs it against the desired graph (`sakk-plan`). It makes no write.
//! - [`Engine::apply`] walks the plan's graph with bounded parallelism: everything whose
//!   dependencies are done runs; before every mutating call the call and its idempotency token
//!   are journaled in the state, after it the result is recorded, so a process killed at any
//!   point is simply run again.
//! - For a destroy, what Kubernetes controllers made in the VPC goes first, and
//!   [`Engine::scan`] then looks for anything left.
//!
//! The engine never prints: it emits [`Event`]s.

pub mod clock;
mod destroy;
mod drivers;
mod engine;
pub mod events;
mod execute;
mod observe;
mod recorder;
pub mod retry;

pub use clock::{Clock, Random, Rng, SystemClock};
pub use engine::{Engine, Settings, Step, StepError, Waits, tag_changes};
pub use events::{Event, Events};
pub use execute::{Done, Walk};
pub use observe::{Context, Found};
pub use recorder::Recorder;

use retry::{Caller, Counters, RateLimiter};
use sakk_cloud::{Cloud, CloudError};
use sakk_plan::plan::{Input, PlanError};
use sakk_plan::{Address, Desired, Kind, Plan, Source};
use sakk_state::{FoundationOutputs, State, StateError, StateStore, Version};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Why the engine stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading AWS failed.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// The state could not be written.
    #[error(transparent)]
    State(#[from] StateError),
    /// No plan could be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Resources sakk does not own are in the way.
    #[error(
        "{0} resource(s) in the way that sakk does not own (listed above): nothing was changed"
    )]
    Conflicts(usize),
}

/// Calls made, by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallCounts {
    /// Read calls.
    pub reads: u64,
    /// Mutating calls.
    pub writes: u64,
    /// Retries after throttling.
    pub throttle_retries: u64,
    /// Other retries.
    pub other_retries: u64,
}

/// What an apply did.
#[derive(Debug)]
pub struct Report {
    /// The walk.
    pub walk: Walk,
    /// The outputs afterwards.
    pub outputs: FoundationOutputs,
    /// What was removed before a destroy (controller-made objects).
    pub removed: Vec<String>,
}

impl Report {
    /// True when every step finished.
    pub fn succeeded(&self) -> bool {
        self.walk.failed.is_empty() && self.walk.skipped.is_empty()
    }
}

/// What the engine is made of.
pub struct Parts {
    /// The cloud.
    pub cloud: Cloud,
    /// The EKS cluster's name.
    pub eks_cluster_name: String,
    /// Settings.
    pub settings: Settings,
    /// Retry policy.
    pub policy: retry::RetryPolicy,
    /// Rate limits.
    pub limiter: RateLimiter,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Jitter.
    pub random: Arc<dyn Random>,
    /// Events.
    pub events: Arc<dyn Events>,
}

impl Engine {
    /// An engine.
    pub fn new(parts: Parts) -> Self {
        Self {
            caller: Caller {
                policy: parts.policy,
                limiter: parts.limiter,
                clock: parts.clock.clone(),
                random: parts.random.clone(),
                events: parts.events.clone(),
                counters: Counters::default(),
            },
            cloud: parts.cloud,
            settings: parts.settings,
            clock: parts.clock,
            events: parts.events,
            eks_cluster_name: parts.eks_cluster_name,
        }
    }

    /// The calls made so far.
    pub fn counts(&self) -> CallCounts {
        let counters = &self.caller.counters;
        CallCounts {
            reads: counters.reads.load(Ordering::Relaxed),
            writes: counters.writes.load(Ordering::Relaxed),
            throttle_retries: counters.throttle_retries.load(Ordering::Relaxed),
            other_retries: counters.other_retries.load(Ordering::Relaxed),
        }
    }

    /// Reads and writes made by each resource's steps so far, by address.
    pub fn calls_by_address(&self) -> std::collections::BTreeMap<String, (u64, u64)> {
        self.caller
            .counters
            .by_address
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }

    /// Observes AWS and plans (no write).
    pub async fn plan(
        &self,
        desired: &Desired,
        state: &State,
        destroy: bool,
    ) -> Result<Plan, EngineError> {
        let observed = self.observe(desired, state).await?;
        Ok(sakk_plan::plan::plan(&Input {
            desired,
            destroy,
            observed: &observed,
            prior: &state.prior(),
            source: Source::Live,
        })?)
    }

    /// Applies a plan, recording every step.
    pub async fn apply(&self, plan: &Plan, recorder: &Recorder) -> Result<Report, EngineError> {
        if !plan.conflicts.is_empty() {
            return Err(EngineError::Conflicts(plan.conflicts.len()));
        }
        let account = plan.account.clone();
        recorder
            .update(|state| {
                if !account.is_empty() {
                    state.account = account;
                }
            })
            .await?;
        let mut removed = Vec::new();
        if plan.destroy {
            let vpc = Address::new(Kind::Vpc, "main");
            let vpc_id = plan
                .changes
                .iter()
                .find(|change| change.address == vpc)
                .and_then(|change| change.id.clone());
            if let Some(vpc_id) = vpc_id {
                match self.clean_vpc(None, &vpc_id).await {
                    Ok(found) => removed = found,
                    Err(error) => self.events.emit(Event::Warning {
                        address: Some(vpc.clone()),
                        message: format!(
                            "removing what controllers made in the VPC failed: {error}"
                        ),
                    }),
                }
            }
        }
        let walk = self.walk(plan, recorder).await;
        let outputs = recorder.finish().await?;
        Ok(Report {
            walk,
            outputs,
            removed,
        })
    }
}

/// Reads the state of `cluster` from `store`, or starts a new one with a fresh lineage.
pub async fn load_state(
    store: &dyn StateStore,
    cluster: &str,
    region: &str,
    random: &dyn Random,
) -> Result<(State, Option<Version>), StateError> {
    match store.read().await? {
        Some((state, version)) => {
            if state.cluster != cluster {
                return Err(StateError::OtherCluster {
                    path: store.describe(),
                    found: state.cluster,
                    expected: cluster.to_owned(),
                });
            }
            Ok((state, Some(version)))
        }
        None => Ok((State::new(cluster, region, random.hex(32)), None)),
    }
}
