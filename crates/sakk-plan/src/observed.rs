//! What exists: each resource found in AWS (by ownership tags, deterministic names or recorded
//! IDs), described with the same specification type as the desired graph, so the diff is a
//! comparison of like with like.

use crate::reference::{self, Reference};
use crate::resource::{Address, Spec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Where a resource is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "detail")]
pub enum Status {
    /// Usable.
    Ready,
    /// Being created or updated: AWS said so (`CREATING`, `pending`...).
    Pending(String),
    /// Being deleted.
    Deleting(String),
    /// AWS gave up on it (`CREATE_FAILED`, a failed NAT gateway).
    Failed(String),
    /// Usable, but AWS reports it unhealthy (`DEGRADED`, with its health issues): sakk cannot
    /// repair that by a call, so it is planned as if ready and the plan warns.
    Degraded(String),
    /// Its last update failed (`UPDATE_FAILED`) and it kept its old configuration: the update
    /// is planned and sent again.
    UpdateFailed(String),
}

impl Status {
    /// What AWS reports that people should know although sakk changes nothing for it.
    pub fn warning(&self) -> Option<&str> {
        match self {
            Status::Degraded(detail) => Some(detail),
            _ => None,
        }
    }
}

/// One resource as it exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    /// Its address (from its `sakk.dev/resource` tag or its deterministic name).
    pub address: Address,
    /// Its AWS ID (or name, or ARN: whatever the service uses to name it).
    pub id: String,
    /// What it is, in the desired graph's terms, with concrete values.
    pub spec: Spec,
    /// Attributes other resources refer to (`id`, `arn`, `oidc_issuer_host`, `name_servers`).
    pub attributes: BTreeMap<String, Value>,
    /// Life-cycle status.
    pub status: Status,
}

/// A resource with our name that is not ours: sakk neither adopts nor touches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The address it is in the way of.
    pub address: Address,
    /// Its ID.
    pub id: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Everything found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// The account's own attributes (`account_id`, `partition`, `region`).
    pub account: BTreeMap<String, Value>,
    /// Resources by address.
    pub resources: BTreeMap<Address, Live>,
    /// Further copies of an address (left by an interrupted run outside sakk's journal, or by
    /// a concurrent run): ours, so they are deleted.
    pub duplicates: Vec<Live>,
    /// Look-alikes sakk must not touch.
    pub conflicts: Vec<Conflict>,
}

impl Observed {
    /// Records a found resource; a second one for the same address becomes a duplicate (the
    /// one recorded in state, or else the first found, is kept).
    pub fn insert(&mut self, live: Live, preferred_id: Option<&str>) {
        match self.resources.get(&live.address) {
            None => {
                self.resources.insert(live.address.clone(), live);
            }
            Some(existing) => {
                if preferred_id == Some(live.id.as_str()) && existing.id != live.id {
                    let previous = self.resources.insert(live.address.clone(), live);
                    self.duplicates.extend(previous);
                } else if existing.id != live.id {
                    self.duplicates.push(live);
                }
            }
        }
    }

    /// The value of a reference, from the account or from a resource found.
    pub fn lookup(&self, reference: &Reference) -> Option<Value> {
        if reference.address == reference::ACCOUNT {
            return self.account.get(&reference.attribute).cloned();
        }
        let address = Address::parse(&reference.address)?;
        self.resources
            .get(&address)?
            .attributes
            .get(&reference.attribute)
            .cloned()
    }

    /// A digest of everything found: a saved plan is refused when the world it was made
    /// against has moved.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        let canonical = serde_json::to_vec(&(
            &self.account,
            &self.resources,
            &self.duplicates,
            &self.conflicts,
        ))
        .unwrap_or_default();
        hasher.update(&canonical);
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}
