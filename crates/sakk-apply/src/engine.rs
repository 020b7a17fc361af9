//! The engine: the cloud, the call rules, the settings, and one step's context.

use crate::clock::Clock;
use crate::events::{Event, Events};
use crate::recorder::Recorder;
use crate::retry::{Access, Caller, Expect};
use sakk_cloud::{Cloud, CloudError, CloudResult, Tags};
use sakk_plan::Address;
use sakk_state::StateError;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to wait for AWS, and how often to look.
#[derive(Debug, Clone)]
pub struct Waits {
    /// Polling interval for EKS clusters.
    pub cluster_poll: Duration,
    /// Polling interval for everything else (node groups, add-ons, NAT gateways, deletions).
    pub poll: Duration,
    /// Longest wait for an EKS cluster to become ACTIVE or go away.
    pub cluster: Duration,
    /// Longest wait for a node group.
    pub node_group: Duration,
    /// Longest wait for an add-on.
    pub addon: Duration,
    /// Longest wait for a NAT gateway or a load balancer.
    pub network: Duration,
}

impl Default for Waits {
    fn default() -> Self {
        Self {
            cluster_poll: Duration::from_secs(15),
            poll: Duration::from_secs(10),
            cluster: Duration::from_secs(30 * 60),
            node_group: Duration::from_secs(45 * 60),
            addon: Duration::from_secs(20 * 60),
            network: Duration::from_secs(15 * 60),
        }
    }
}

impl Waits {
    /// Waits for tests: millisecond polls, second-long limits.
    pub fn fast() -> Self {
        Self {
            cluster_poll: Duration::from_millis(5),
            poll: Duration::from_millis(5),
            cluster: Duration::from_secs(20),
            node_group: Duration::from_secs(20),
            addon: Duration::from_secs(20),
            network: Duration::from_secs(20),
        }
    }
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Steps running at once.
    pub parallelism: usize,
    /// Waits.
    pub waits: Waits,
    /// Attempts of one step whose write failed with an unknown outcome (each attempt finds the
    /// resource again first).
    pub step_attempts: u32,
    /// Days before a deleted KMS key is really gone (7 to 30).
    pub key_deletion_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            parallelism: 16,
            waits: Waits::default(),
            step_attempts: 5,
            key_deletion_days: 7,
        }
    }
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// AWS said no.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// The state could not be written.
    #[error(transparent)]
    State(#[from] StateError),
    /// AWS did not get where it should in time, or something blocks.
    #[error("{0}")]
    Stuck(String),
}

impl StepError {
    /// True when repeating the step (which finds the resource again first) may succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, StepError::Cloud(error) if error.kind == sakk_cloud::ErrorKind::Unavailable
            || error.kind == sakk_cloud::ErrorKind::Throttled)
    }
}

/// The engine.
pub struct Engine {
    /// The cloud.
    pub cloud: Cloud,
    /// Calls with rate limits and retries.
    pub caller: Caller,
    /// Settings.
    pub settings: Settings,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Where progress goes.
    pub events: Arc<dyn Events>,
    /// The EKS cluster's name (what Kubernetes controllers tag their AWS objects with).
    pub eks_cluster_name: String,
}

/// One step: one resource being created, changed or deleted.
pub struct Step<'a> {
    /// Unique key (the address, or `address#id` for a duplicate).
    pub key: String,
    /// The resource.
    pub address: Address,
    /// Where results go.
    pub recorder: &'a Recorder,
    /// When it started.
    pub started: Instant,
    /// Its dependencies (recorded in the state).
    pub depends_on: BTreeSet<Address>,
}

impl Engine {
    /// A read within a step.
    pub async fn read<T, F, Fut>(
        &self,
        step: &Step<'_>,
        service: &'static str,
        operation: &'static str,
        call: F,
    ) -> CloudResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = CloudResult<T>>,
    {
        self.caller
            .call(
                Some(&step.address),
                service,
                operation,
                Access::Read,
                Expect::Nothing,
                call,
            )
            .await
    }

    /// A mutating call within a step: journaled first (with its idempotency token, which the
    /// closure receives), then made with the retry rules of `expect`.
    pub async fn write<T, F, Fut>(
        &self,
        step: &Step<'_>,
        service: &'static str,
        operation: &'static str,
        expect: Expect,
        mut call: F,
    ) -> Result<T, StepError>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = CloudResult<T>>,
    {
        let token = step
            .recorder
            .journal(
                &step.key,
                &step.address,
                operation,
                self.clock.unix_seconds(),
            )
            .await?;
        Ok(self
            .caller
            .call(
                Some(&step.address),
                service,
                operation,
                Access::Write,
                expect,
                || call(token.clone()),
            )
            .await?)
    }

    /// Reports that a step waits.
    pub fn waiting(&self, step: &Step<'_>, what: &str) {
        self.events.emit(Event::Waiting {
            address: step.address.clone(),
            what: what.to_owned(),
            elapsed: self.clock.now().saturating_duration_since(step.started),
        });
    }

    /// Polls `check` until it says done (`Some`), reporting what the step waits for.
    pub async fn wait_until<T, F, Fut>(
        &self,
        step: &Step<'_>,
        what: &str,
        interval: Duration,
        limit: Duration,
        mut check: F,
    ) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, StepError>>,
    {
        let started = self.clock.now();
        loop {
            if let Some(done) = check().await? {
                return Ok(done);
            }
            if self.clock.now().saturating_duration_since(started) > limit {
                let limit = if limit < Duration::from_secs(1) {
                    format!("{} ms", limit.as_millis())
                } else {
                    format!("{} s", limit.as_secs())
                };
                return Err(StepError::Stuck(format!(
                    "{}: still waiting for {what} after {limit}; sakk stopped waiting: run \
                     `sakk apply` again to wait for it again (it is never created twice)",
                    step.address
                )));
            }
            self.waiting(step, what);
            self.clock.sleep(interval).await;
        }
    }
}

/// Tags to add and keys to remove so that `observed` carries what `desired` wants; keys sakk
/// never set are left alone.
pub fn tag_changes(
    desired: &Tags,
    observed: &Tags,
    previous: Option<&Tags>,
) -> (Tags, Vec<String>) {
    let add: Tags = desired
        .iter()
        .filter(|(key, value)| observed.get(*key) != Some(value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let remove: Vec<String> = observed
        .keys()
        .filter(|key| !desired.contains_key(*key))
        .filter(|key| {
            key.starts_with("sakk.dev/")
                || previous.is_some_and(|previous| previous.contains_key(*key))
        })
        .cloned()
        .collect();
    (add, remove)
}
