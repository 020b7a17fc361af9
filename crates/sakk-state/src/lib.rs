//! The state of one cluster: what sakk created (IDs, the specification last applied, the
//! dependencies), the journal of operations in flight with their idempotency tokens, and the
//! outputs later stages read.
//!
//! The format is versioned: every file carries `format_version`, each version has its own
//! reader, and a file from a newer sakk is refused rather than misread. `lineage` names one
//! cluster's state for its whole life; `serial` grows with every write, so a saved plan made
//! against an older state is refused.
//!
//! [`StateStore`] is what the executor writes through. [`LocalStore`] keeps the file in the
//! working directory, written atomically (temporary file, fsync, rename, fsync of the
//! directory) and locked with an OS file lock that dies with its holder. The S3 store with
//! leases and fencing (issue 4) implements the same trait.

mod local;
mod outputs;

pub use local::LocalStore;
pub use outputs::FoundationOutputs;

use async_trait::async_trait;
use sakk_plan::{Address, Live, PriorResource, PriorState, Spec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The state format this sakk writes.
pub const FORMAT_VERSION: u32 = 1;

/// The state of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Format version.
    pub format_version: u32,
    /// Names this cluster's state for its whole life (set at the first write).
    pub lineage: String,
    /// Grows with every write.
    pub serial: u64,
    /// The sakk version that wrote it.
    pub sakk_version: String,
    /// Cluster name.
    pub cluster: String,
    /// Region.
    pub region: String,
    /// The account's attributes (`account_id`, `partition`, `region`).
    pub account: BTreeMap<String, Value>,
    /// Resources sakk owns, by address.
    pub resources: BTreeMap<Address, ResourceState>,
    /// Generation of each address: it grows when the resource is deleted, so the next creation
    /// uses a fresh idempotency token (AWS remembers tokens of deleted resources).
    pub generations: BTreeMap<Address, u64>,
    /// Mutating calls in flight, journaled before each call.
    pub journal: BTreeMap<String, JournalEntry>,
    /// What later stages read.
    pub outputs: FoundationOutputs,
}

/// One resource sakk owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// AWS ID.
    pub id: String,
    /// The specification as applied (concrete values).
    pub spec: Spec,
    /// Attributes (`id`, `arn`...).
    pub attributes: BTreeMap<String, Value>,
    /// Its dependencies when it was applied.
    pub depends_on: BTreeSet<Address>,
}

/// A mutating call that may have happened: journaled (with its idempotency token) before the
/// call, removed after its result is recorded. An entry left behind means a run stopped mid-call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The resource.
    pub address: Address,
    /// The operation (`CreateVpc`).
    pub operation: String,
    /// The idempotency token sent with it.
    pub token: String,
    /// Seconds since the Unix epoch when it started.
    pub started: u64,
}

/// Problems with the state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Not valid state JSON.
    #[error("{path} is not a sakk state file: {detail}")]
    Malformed {
        /// Where.
        path: String,
        /// What.
        detail: String,
    },
    /// Written by a newer sakk.
    #[error(
        "{path} has state format {found}, newer than this sakk reads ({supported}): upgrade sakk"
    )]
    NewerFormat {
        /// Where.
        path: String,
        /// Its version.
        found: u32,
        /// This sakk's.
        supported: u32,
    },
    /// It belongs to another cluster.
    #[error("{path} holds the state of cluster `{found}`, not `{expected}`")]
    OtherCluster {
        /// Where.
        path: String,
        /// Its cluster.
        found: String,
        /// The cluster file's.
        expected: String,
    },
    /// Someone else wrote it since it was read.
    #[error("{path} changed since it was read (another sakk wrote it): run again")]
    Conflict {
        /// Where.
        path: String,
    },
    /// Another process holds the lock.
    #[error("{path} is locked by {holder} ({operation}) since {since}")]
    Locked {
        /// The lock.
        path: String,
        /// Who.
        holder: String,
        /// Doing what.
        operation: String,
        /// Since when (seconds since the epoch).
        since: u64,
    },
    /// Reading or writing failed.
    #[error("cannot {action} {path}")]
    Io {
        /// What was tried.
        action: &'static str,
        /// Where.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl State {
    /// A new, empty state.
    pub fn new(cluster: &str, region: &str, lineage: String) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            lineage,
            serial: 0,
            sakk_version: env!("CARGO_PKG_VERSION").to_owned(),
            cluster: cluster.to_owned(),
            region: region.to_owned(),
            account: BTreeMap::new(),
            resources: BTreeMap::new(),
            generations: BTreeMap::new(),
            journal: BTreeMap::new(),
            outputs: FoundationOutputs::default(),
        }
    }

    /// Parses a state file of any format this sakk knows.
    pub fn from_bytes(path: &str, bytes: &[u8]) -> Result<Self, StateError> {
        #[derive(Deserialize)]
        struct Header {
            format_version: Option<u32>,
        }
        let malformed = |detail: String| StateError::Malformed {
            path: path.to_owned(),
            detail,
        };
        let header: Header =
            serde_json::from_slice(bytes).map_err(|error| malformed(error.to_string()))?;
        match header.format_version {
            Some(1) => {
                serde_json::from_slice::<State>(bytes).map_err(|error| malformed(error.to_string()))
            }
            Some(found) if found > FORMAT_VERSION => Err(StateError::NewerFormat {
                path: path.to_owned(),
                found,
                supported: FORMAT_VERSION,
            }),
            Some(found) => Err(malformed(format!("unknown format version {found}"))),
            None => Err(malformed("no `format_version`".to_owned())),
        }
    }

    /// The bytes written to disk: pretty JSON with a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The deterministic idempotency token of an operation on `address`: the same after a
    /// crash (so a retried create is recognised by AWS), different for each generation of the
    /// resource and for each lineage.
    pub fn token(&self, address: &Address, operation: &str) -> String {
        let generation = self.generations.get(address).copied().unwrap_or(0);
        let digest = Sha256::digest(
            format!("{}/{address}/{generation}/{operation}", self.lineage).as_bytes(),
        );
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("sakk-{}", &hex[..32])
    }

    /// Records a resource as it now is.
    pub fn record(&mut self, live: &Live, depends_on: BTreeSet<Address>) {
        self.resources.insert(
            live.address.clone(),
            ResourceState {
                id: live.id.clone(),
                spec: live.spec.clone(),
                attributes: live.attributes.clone(),
                depends_on,
            },
        );
    }

    /// Forgets a deleted resource and moves its generation on.
    pub fn forget(&mut self, address: &Address) {
        if self.resources.remove(address).is_some() {
            *self.generations.entry(address.clone()).or_default() += 1;
        }
    }

    /// The planner's view of this state.
    pub fn prior(&self) -> PriorState {
        PriorState {
            lineage: Some(self.lineage.clone()),
            serial: self.serial,
            resources: self
                .resources
                .iter()
                .map(|(address, resource)| {
                    (
                        address.clone(),
                        PriorResource {
                            id: resource.id.clone(),
                            spec: resource.spec.clone(),
                            depends_on: resource.depends_on.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// What the state alone says exists (for planning without credentials).
    pub fn as_observed(&self) -> sakk_plan::Observed {
        let mut observed = sakk_plan::Observed {
            account: self.account.clone(),
            ..Default::default()
        };
        for (address, resource) in &self.resources {
            observed.resources.insert(
                address.clone(),
                Live {
                    address: address.clone(),
                    id: resource.id.clone(),
                    spec: resource.spec.clone(),
                    attributes: resource.attributes.clone(),
                    status: sakk_plan::Status::Ready,
                },
            );
        }
        observed
    }
}

/// An opaque version of the stored state, for compare-and-swap writes (a content digest
/// locally, an ETag in S3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version(pub String);

/// Who takes a lock, for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// `user@host (pid N)`.
    pub holder: String,
    /// `apply`, `destroy`.
    pub operation: String,
    /// Seconds since the epoch.
    pub since: u64,
}

/// A held lock. Dropping it releases a local lock; remote stores release it in
/// [`StateStore::unlock`].
pub struct Lease {
    /// Lock ID (for `sakk state unlock`).
    pub id: String,
    /// What was recorded in it.
    pub info: LockInfo,
    /// Fencing counter: grows with every acquisition; a store rejects writes from an older
    /// lease.
    pub fencing: u64,
    /// Seconds since the epoch after which others may take the lock over unless renewed.
    pub expires: Option<u64>,
    /// Store-specific handle (the open lock file).
    pub handle: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("id", &self.id)
            .field("info", &self.info)
            .field("fencing", &self.fencing)
            .field("expires", &self.expires)
            .finish()
    }
}

/// Where a cluster's state lives.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Where, for messages (`./sakk.state.json`, `s3://bucket/key`).
    fn describe(&self) -> String;
    /// The stored state and its version, if any.
    async fn read(&self) -> Result<Option<(State, Version)>, StateError>;
    /// Writes `state` if the stored version is still `expected` (none: nothing stored yet);
    /// returns the new version.
    async fn write(
        &self,
        state: &State,
        expected: Option<&Version>,
        lease: Option<&Lease>,
    ) -> Result<Version, StateError>;
    /// Takes the lock.
    async fn lock(&self, info: &LockInfo) -> Result<Lease, StateError>;
    /// Extends a lease.
    async fn renew(&self, lease: &mut Lease) -> Result<(), StateError>;
    /// Releases the lock.
    async fn unlock(&self, lease: Lease) -> Result<(), StateError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_newer_formats_are_refused() {
        let state = State::new("demo", "eu-west-1", "lineage-1".into());
        let bytes = state.to_bytes();
        assert_eq!(State::from_bytes("s", &bytes).expect("reads"), state);
        let newer = String::from_utf8(bytes)
            .expect("utf8")
            .replace("\"format_version\": 1", "\"format_version\": 7");
        let error = State::from_bytes("s.json", newer.as_bytes()).expect_err("refused");
        assert!(
            matches!(error, StateError::NewerFormat { found: 7, .. }),
            "{error}"
        );
        assert!(matches!(
            State::from_bytes("s", b"{}"),
            Err(StateError::Malformed { .. })
        ));
        assert!(matches!(
            State::from_bytes("s", b"not json"),
            Err(StateError::Malformed { .. })
        ));
    }

    #[test]
    fn tokens_are_stable_per_generation() {
        let mut state = State::new("demo", "eu-west-1", "lineage-1".into());
        let address = Address::parse("nat_gateway.a").expect("address");
        let first = state.token(&address, "CreateNatGateway");
        assert_eq!(first, state.token(&address, "CreateNatGateway"));
        assert!(first.len() <= 64);
        state.resources.insert(
            address.clone(),
            ResourceState {
                id: "nat-1".into(),
                spec: Spec::ElasticIp(sakk_plan::resource::ElasticIpSpec {
                    tags: Default::default(),
                }),
                attributes: Default::default(),
                depends_on: Default::default(),
            },
        );
        state.forget(&address);
        assert_ne!(first, state.token(&address, "CreateNatGateway"));
        let other = State::new("demo", "eu-west-1", "lineage-2".into());
        assert_ne!(first, other.token(&address, "CreateNatGateway"));
    }
}
