//! Walking the plan: every step whose dependencies are done runs at once (up to the
//! parallelism), each result is recorded before anything that depends on it starts, and a
//! failed step stops only what depends on it.

use crate::engine::{Engine, Step, StepError};
use crate::events::Event;
use crate::observe::Context;
use crate::recorder::Recorder;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use sakk_plan::graph::Resource;
use sakk_plan::reference::{self, Reference};
use sakk_plan::{Action, Address, Change, Desired, Live, Plan, Spec, Status};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Absent,
    Present,
}

struct Node<'a> {
    change: &'a Change,
    direction: Direction,
    waits_for: BTreeSet<usize>,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// Resource.
    pub address: Address,
    /// The plan's action.
    pub action: Action,
    /// Its ID afterwards (none once deleted).
    pub id: Option<String>,
    /// How long it took.
    pub elapsed: Duration,
}

/// The result of walking a plan.
#[derive(Debug, Default)]
pub struct Walk {
    /// Steps that finished.
    pub done: Vec<Done>,
    /// Steps that failed, with the error.
    pub failed: Vec<(Address, StepError)>,
    /// Steps not run because something they wait for failed.
    pub skipped: Vec<Address>,
}

impl Engine {
    /// Runs the plan's steps.
    pub async fn walk(&self, plan: &Plan, recorder: &Recorder) -> Walk {
        let changes: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|change| change.action != Action::NoOp)
            .collect();
        let mut nodes: Vec<Node<'_>> = Vec::new();
        let mut present: BTreeMap<&Address, usize> = BTreeMap::new();
        let mut absent: BTreeMap<&Address, usize> = BTreeMap::new();
        for change in &changes {
            if change.action.deletes() {
                if !change.is_duplicate() {
                    absent.insert(&change.address, nodes.len());
                }
                nodes.push(Node {
                    change,
                    direction: Direction::Absent,
                    waits_for: BTreeSet::new(),
                });
            }
            if change.action.ensures_present() {
                present.insert(&change.address, nodes.len());
                nodes.push(Node {
                    change,
                    direction: Direction::Present,
                    waits_for: BTreeSet::new(),
                });
            }
        }
        for (index, node) in nodes.iter_mut().enumerate() {
            let change = node.change;
            let mut waits = BTreeSet::new();
            match node.direction {
                Direction::Present => {
                    for dependency in &change.depends_on {
                        if let Some(node) = present.get(dependency) {
                            waits.insert(*node);
                        }
                    }
                    if let Some(node) = absent.get(&change.address) {
                        waits.insert(*node);
                    }
                }
                Direction::Absent => {
                    for dependant in &change.delete_after {
                        if let Some(node) = absent.get(dependant) {
                            waits.insert(*node);
                        }
                    }
                    for user in &change.delete_after_update_of {
                        if let Some(node) = present.get(user) {
                            waits.insert(*node);
                        }
                    }
                }
            }
            waits.remove(&index);
            node.waits_for = waits;
        }

        let mut waiting: Vec<usize> = nodes.iter().map(|node| node.waits_for.len()).collect();
        let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (index, node) in nodes.iter().enumerate() {
            for before in &node.waits_for {
                dependants[*before].push(index);
            }
        }
        let mut ready: BTreeSet<usize> = (0..nodes.len())
            .filter(|index| waiting[*index] == 0)
            .collect();
        let mut finished = vec![false; nodes.len()];
        let mut walk = Walk::default();
        let desired = desired_of(plan);
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < self.settings.parallelism.max(1) {
                let Some(index) = ready.pop_first() else {
                    break;
                };
                let node = &nodes[index];
                let desired = &desired;
                running.push(async move {
                    let result = self.run(node, recorder, desired).await;
                    (index, result)
                });
            }
            let Some((index, result)) = running.next().await else {
                break;
            };
            finished[index] = true;
            let node = &nodes[index];
            match result {
                Ok(done) => {
                    walk.done.push(done);
                    for dependant in &dependants[index] {
                        waiting[*dependant] -= 1;
                        if waiting[*dependant] == 0 {
                            ready.insert(*dependant);
                        }
                    }
                }
                Err(error) => {
                    self.events.emit(Event::Failed {
                        address: node.change.address.clone(),
                        error: error.to_string(),
                    });
                    walk.failed.push((node.change.address.clone(), error));
                    // Everything that waits for it, directly or not, is skipped.
                    let mut stack = dependants[index].clone();
                    while let Some(next) = stack.pop() {
                        if !finished[next] {
                            finished[next] = true;
                            walk.skipped.push(nodes[next].change.address.clone());
                            stack.extend(dependants[next].iter().copied());
                        }
                    }
                }
            }
        }
        for (index, node) in nodes.iter().enumerate() {
            if !finished[index] {
                // Only a cycle leaves steps that never became ready: a bug in the planner.
                walk.failed.push((
                    node.change.address.clone(),
                    StepError::Stuck(format!(
                        "{}: never ready (a dependency cycle in the plan)",
                        node.change.address
                    )),
                ));
            }
        }
        walk
    }

    async fn run(
        &self,
        node: &Node<'_>,
        recorder: &Recorder,
        desired: &Desired,
    ) -> Result<Done, StepError> {
        let change = node.change;
        let step = Step {
            key: match node.direction {
                Direction::Present => change.address.to_string(),
                Direction::Absent => change.key(),
            },
            address: change.address.clone(),
            recorder,
            started: self.clock.now(),
            depends_on: change.depends_on.iter().cloned().collect(),
        };
        let action = match (node.direction, change.action) {
            (Direction::Absent, Action::Replace) => Action::Delete,
            (_, action) => action,
        };
        self.events.emit(Event::Started {
            address: change.address.clone(),
            action,
        });
        let attempts = self.settings.step_attempts.max(1);
        let mut attempt = 1;
        let result = loop {
            let outcome = match node.direction {
                Direction::Present => self
                    .present(&step, change, attempt, desired)
                    .await
                    .map(Some),
                Direction::Absent => self
                    .absent(&step, change, attempt, desired)
                    .await
                    .map(|()| None),
            };
            match outcome {
                Err(error) if error.retryable() && attempt < attempts => {
                    let delay = self
                        .caller
                        .policy
                        .delay(attempt, self.caller.random.as_ref());
                    attempt += 1;
                    self.events.emit(Event::Retrying {
                        address: Some(change.address.clone()),
                        call: format!("{} step", change.address),
                        reason: format!("outcome unknown ({error}): finding it again"),
                        attempt,
                        delay,
                    });
                    self.clock.sleep(delay).await;
                }
                other => break other,
            }
        };
        let id = result?;
        let elapsed = self.clock.now().saturating_duration_since(step.started);
        self.events.emit(Event::Finished {
            address: change.address.clone(),
            action,
            id: id.clone(),
            elapsed,
        });
        Ok(Done {
            address: change.address.clone(),
            action,
            id,
            elapsed,
        })
    }

    /// The resource as it exists now (after an attempt whose outcome is unknown).
    async fn find(
        &self,
        step: &Step<'_>,
        change: &Change,
        desired: &Desired,
    ) -> Result<Option<Live>, StepError> {
        let state = step.recorder.snapshot().await;
        let context = Context {
            desired,
            state: &state,
            known: step.recorder.attributes().await,
        };
        let found = self.observe_kind(change.address.kind(), &context).await?;
        let wanted_id = if change.is_duplicate() {
            change.observed.as_ref().map(|live| live.id.clone())
        } else {
            None
        };
        Ok(found.lives.into_iter().find(|live| {
            live.address == change.address && wanted_id.as_ref().is_none_or(|id| *id == live.id)
        }))
    }

    async fn present(
        &self,
        step: &Step<'_>,
        change: &Change,
        attempt: u32,
        desired: &Desired,
    ) -> Result<String, StepError> {
        let Some(spec) = &change.desired else {
            return Err(StepError::Stuck(format!(
                "{}: nothing to create",
                change.address
            )));
        };
        let known = step.recorder.attributes().await;
        let account = step.recorder.account().await;
        let lookup = |reference: &Reference| -> Option<Value> {
            if reference.address == reference::ACCOUNT {
                return account.get(&reference.attribute).cloned();
            }
            let address = Address::parse(&reference.address)?;
            known.get(&address)?.get(&reference.attribute).cloned()
        };
        let resolved = reference::resolve(&Value::Object(spec.fields()), &lookup);
        if reference::is_unresolved(&resolved) {
            return Err(StepError::Stuck(format!(
                "{}: a value it needs is not known yet: {}",
                change.address,
                reference::addresses(&resolved)
                    .iter()
                    .map(Address::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let Value::Object(mut fields) = resolved else {
            return Err(StepError::Stuck(format!(
                "{}: malformed specification",
                change.address
            )));
        };
        change.address.kind().normalize(&mut fields);
        let spec = Spec::from_fields(change.address.kind(), fields)
            .map_err(|error| StepError::Stuck(format!("{}: {error}", change.address)))?;
        let observed = if attempt > 1 {
            self.find(step, change, desired).await?
        } else if change.action == Action::Replace {
            None
        } else {
            change.observed.clone()
        };
        let state = step.recorder.snapshot().await;
        let previous = state
            .resources
            .get(&change.address)
            .map(|resource| resource.spec.clone());
        if observed.is_none() && state.resources.contains_key(&change.address) {
            // Recorded but gone (deleted outside sakk, or replaced): a new generation, so AWS
            // does not see a reused idempotency token.
            step.recorder
                .forget(&step.key, &change.address, true)
                .await?;
        }
        let observed = observed.filter(|live| !matches!(live.status, Status::Failed(_)));
        let live = self
            .ensure(step, &spec, observed.as_ref(), previous.as_ref())
            .await?;
        step.recorder
            .record(&step.key, &live, step.depends_on.clone())
            .await?;
        Ok(live.id)
    }

    async fn absent(
        &self,
        step: &Step<'_>,
        change: &Change,
        attempt: u32,
        desired: &Desired,
    ) -> Result<(), StepError> {
        let found = if attempt > 1 {
            self.find(step, change, desired).await?
        } else {
            change.observed.clone()
        };
        if let Some(live) = &found {
            self.remove(step, live).await?;
        }
        step.recorder
            .forget(&step.key, &change.address, !change.is_duplicate())
            .await?;
        Ok(())
    }
}

/// The desired graph a plan carries (for finding resources again).
fn desired_of(plan: &Plan) -> Desired {
    let mut desired = Desired {
        cluster: plan.cluster.clone(),
        region: plan.region.clone(),
        resources: BTreeMap::new(),
    };
    for change in &plan.changes {
        if let Some(spec) = &change.desired {
            desired.resources.insert(
                change.address.clone(),
                Resource {
                    address: change.address.clone(),
                    spec: spec.clone(),
                    depends_on: change.depends_on.iter().cloned().collect(),
                },
            );
        }
    }
    desired
}
