//! What the engine reports while it works. The CLI renders events; the engine never prints.

use sakk_plan::{Action, Address};
use serde::Serialize;
use std::time::Duration;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// Reading what exists.
    Observing {
        /// Resource kind.
        kind: String,
    },
    /// A step started.
    Started {
        /// Resource.
        address: Address,
        /// What is done to it.
        action: Action,
    },
    /// A step waits for AWS.
    Waiting {
        /// Resource.
        address: Address,
        /// What it waits for (`EKS cluster CREATING → ACTIVE`).
        what: String,
        /// Since the step started.
        elapsed: Duration,
    },
    /// A call is retried.
    Retrying {
        /// Resource, when the call belongs to one.
        address: Option<Address>,
        /// `ec2 CreateVpc`.
        call: String,
        /// The error class (`throttled`, `IAM propagation`...).
        reason: String,
        /// Attempt number (2 is the first retry).
        attempt: u32,
        /// The delay before it.
        delay: Duration,
    },
    /// A step finished.
    Finished {
        /// Resource.
        address: Address,
        /// What was done.
        action: Action,
        /// Its AWS ID.
        id: Option<String>,
        /// How long it took.
        elapsed: Duration,
    },
    /// A step failed.
    Failed {
        /// Resource.
        address: Address,
        /// Why.
        error: String,
    },
    /// Something worth knowing that is not an error.
    Warning {
        /// Resource, if any.
        address: Option<Address>,
        /// The message.
        message: String,
    },
    /// An object a Kubernetes controller made was removed before the destroy.
    Removed {
        /// Kind (`load balancer`).
        kind: String,
        /// Its ID or ARN.
        id: String,
    },
}

/// Where events go.
pub trait Events: Send + Sync {
    /// Receives one event.
    fn emit(&self, event: Event);
}

/// Discards events.
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl Events for Discard {
    fn emit(&self, _event: Event) {}
}

/// Keeps events in memory (for tests and summaries).
#[derive(Debug, Default)]
pub struct Collect(pub std::sync::Mutex<Vec<Event>>);

impl Events for Collect {
    fn emit(&self, event: Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event);
        }
    }
}

impl Collect {
    /// A copy of what was received.
    pub fn events(&self) -> Vec<Event> {
        self.0
            .lock()
            .map(|events| events.clone())
            .unwrap_or_default()
    }
}
