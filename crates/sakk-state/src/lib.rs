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
//! directory) and locked with an OS file lock that dies with its holder. [`S3Store`] keeps it
//! in S3, written with compare-and-swap on the object's ETag and guarded by a lock with a
//! lease and a fencing counter ([`lock`]), in an S3 object or a DynamoDB item; [`keep_alive`]
//! renews a lease in the background while a long run works.

pub mod clock;
mod conditional;
mod keeper;
mod local;
pub mod lock;
mod outputs;
mod s3;

pub use clock::{Clock, ManualClock, SystemClock};
pub use conditional::CONFLICT_ATTEMPTS;
pub use keeper::{KeepAlive, keep_alive};
pub use local::LocalStore;
pub use lock::{LockRecord, Locking};
pub use outputs::FoundationOutputs;
pub use s3::{S3Store, S3StoreSettings};

use async_trait::async_trait;
use sakk_plan::{Address, Live, PriorResource, PriorState, Spec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

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
    /// The fencing counter of the lock under which it was last written (0: a local state,
    /// whose OS lock needs none). A writer whose lock was taken over holds a smaller one.
    #[serde(default)]
    pub fencing: u64,
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
    /// S3 kept answering `409 ConditionalRequestConflict` (another conditional write to the
    /// same object in progress each time).
    #[error(
        "{path}: S3 answered 409 ConditionalRequestConflict to {attempts} attempts in a row (other conditional writes to it kept racing this one); nothing was written: run again"
    )]
    ConditionalConflicts {
        /// Where.
        path: String,
        /// How many times it was sent.
        attempts: u32,
    },
    /// Another process holds the lock.
    #[error(
        "{lock} is held by {holder} for `{operation}` since {} (lock ID {id}{})",
        clock::format_time(*since_ms),
        expires_ms.map(|expires| format!("; lease until {}", clock::format_time(expires))).unwrap_or_default()
    )]
    Locked {
        /// The lock.
        lock: String,
        /// Its lock ID.
        id: String,
        /// Who.
        holder: String,
        /// Doing what.
        operation: String,
        /// Since when (milliseconds since the epoch).
        since_ms: u64,
        /// When its lease ends unless renewed (none: an OS lock that dies with its holder).
        expires_ms: Option<u64>,
    },
    /// The lock this run held is no longer its own.
    #[error("the lock {lock} is no longer held by this run: {detail}")]
    LeaseLost {
        /// The lock.
        lock: String,
        /// What happened to it.
        detail: String,
    },
    /// The lease ran out before it could be renewed.
    #[error("the lease on {lock} expired at {} before it could be renewed", clock::format_time(*expired_ms))]
    LeaseExpired {
        /// The lock.
        lock: String,
        /// When.
        expired_ms: u64,
    },
    /// The stored state was written under a newer lock than the writer's.
    #[error(
        "{path} was written under a newer lock (fencing {stored}, this run holds {ours}): \
         another run took the lock over, so this one may not write"
    )]
    Fenced {
        /// Where.
        path: String,
        /// The fencing counter in the stored state.
        stored: u64,
        /// The writer's.
        ours: u64,
    },
    /// `unlock` of a lock nobody holds.
    #[error("{lock} is not locked")]
    NotLocked {
        /// The lock.
        lock: String,
    },
    /// `unlock` with an ID that is not the current lock's.
    #[error("{lock} is held under lock ID {current} (by {holder}), not {given}")]
    WrongLockId {
        /// The lock.
        lock: String,
        /// The ID given.
        given: String,
        /// The current lock's ID.
        current: String,
        /// Its holder.
        holder: String,
    },
    /// `unlock` while the holder's lease is still fresh.
    #[error(
        "{lock} is held by {holder} for `{operation}` and its lease is fresh until {}: the holder may still be running",
        clock::format_time(*expires_ms)
    )]
    LeaseFresh {
        /// The lock.
        lock: String,
        /// Who.
        holder: String,
        /// Doing what.
        operation: String,
        /// When its lease ends.
        expires_ms: u64,
    },
    /// The store cannot do this.
    #[error("{store} does not support {what}: {why}")]
    Unsupported {
        /// The store.
        store: String,
        /// What was asked.
        what: &'static str,
        /// Why not.
        why: String,
    },
    /// A call to AWS failed.
    #[error("cannot {action} {path}")]
    Cloud {
        /// What was tried.
        action: &'static str,
        /// Where.
        path: String,
        /// The cause.
        #[source]
        source: Box<sakk_cloud::CloudError>,
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

impl StateError {
    /// A failed AWS call on `path`.
    pub fn cloud(action: &'static str, path: String, source: sakk_cloud::CloudError) -> Self {
        Self::Cloud {
            action,
            path,
            source: Box::new(source),
        }
    }
}

impl State {
    /// A new, empty state.
    pub fn new(cluster: &str, region: &str, lineage: String) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            lineage,
            serial: 0,
            fencing: 0,
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

/// A held lock. Clones share it: the background renewal ([`keep_alive`]) and the writer see
/// the same expiry and learn together that it was lost. A local lock is released when the last
/// clone is dropped; remote stores release it in [`StateStore::unlock`].
#[derive(Clone)]
pub struct Lease {
    /// Lock ID (for `sakk state unlock`).
    pub id: String,
    /// What was recorded in it.
    pub info: LockInfo,
    /// Fencing counter: grows with every acquisition; a store rejects writes from an older
    /// lease.
    pub fencing: u64,
    live: Arc<Mutex<LeaseLive>>,
    handle: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

/// What changes while a lease is held.
#[derive(Debug, Clone, Default)]
struct LeaseLive {
    /// Milliseconds since the epoch after which others may take the lock over (none: no
    /// lease, an OS lock).
    expires_ms: Option<u64>,
    /// How long each renewal extends it.
    duration: Option<std::time::Duration>,
    /// The stored lock record and its revision (remote stores).
    taken: Option<lock::Taken>,
    /// Why it was lost, once it was.
    lost: Option<String>,
}

impl Lease {
    /// A lease without expiry (an OS lock held through `handle`, dropped with the last clone).
    pub fn local(
        id: String,
        info: LockInfo,
        handle: Option<Box<dyn std::any::Any + Send + Sync>>,
    ) -> Self {
        Self {
            id,
            info,
            fencing: 0,
            live: Arc::default(),
            handle: handle.map(Arc::from),
        }
    }

    /// A lease on a remote lock record, renewed by extending it by `duration`.
    pub fn remote(info: LockInfo, taken: lock::Taken, duration: std::time::Duration) -> Self {
        Self {
            id: taken.record.id.clone(),
            info,
            fencing: taken.record.fencing,
            live: Arc::new(Mutex::new(LeaseLive {
                expires_ms: Some(taken.record.expires_ms),
                duration: Some(duration),
                taken: Some(taken),
                lost: None,
            })),
            handle: None,
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, LeaseLive> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// When the lease ends unless renewed (none: it does not expire).
    pub fn expires_ms(&self) -> Option<u64> {
        self.live().expires_ms
    }

    /// How long a renewal extends it (none: it does not expire).
    pub fn duration(&self) -> Option<std::time::Duration> {
        self.live().duration
    }

    /// Why it was lost, if it was.
    pub fn lost(&self) -> Option<String> {
        self.live().lost.clone()
    }

    /// Records that the lease is lost: every later write through it is refused.
    pub fn mark_lost(&self, why: impl Into<String>) {
        let mut live = self.live();
        if live.lost.is_none() {
            live.lost = Some(why.into());
        }
    }

    /// The lock record and revision last stored (remote stores).
    pub(crate) fn taken(&self) -> Option<lock::Taken> {
        self.live().taken.clone()
    }

    /// Records a renewal.
    pub(crate) fn renewed(&self, taken: lock::Taken) {
        let mut live = self.live();
        live.expires_ms = Some(taken.record.expires_ms);
        live.taken = Some(taken);
    }

    /// Refuses a write through a lease that was lost or has expired at `now_ms`.
    pub fn check(&self, lock: &str, now_ms: u64) -> Result<(), StateError> {
        let live = self.live();
        if let Some(why) = &live.lost {
            return Err(StateError::LeaseLost {
                lock: lock.to_owned(),
                detail: why.clone(),
            });
        }
        match live.expires_ms {
            Some(expires_ms) if now_ms >= expires_ms => Err(StateError::LeaseExpired {
                lock: lock.to_owned(),
                expired_ms: expires_ms,
            }),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("id", &self.id)
            .field("info", &self.info)
            .field("fencing", &self.fencing)
            .field("expires_ms", &self.expires_ms())
            .field("lost", &self.lost())
            .field("os_lock", &self.handle.is_some())
            .finish()
    }
}

/// One stored version of the state (`sakk state history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The store's version ID (what `sakk state restore` takes).
    pub version_id: String,
    /// When it was written, milliseconds since the epoch.
    pub written_ms: u64,
    /// True for the current version.
    pub current: bool,
    /// True for a deletion (no content).
    pub deleted: bool,
    /// Its serial, when sakk wrote it.
    pub serial: Option<u64>,
    /// Who wrote it (the lock holder), when sakk wrote it.
    pub writer: Option<String>,
    /// During which operation.
    pub operation: Option<String>,
    /// Under which fencing counter.
    pub fencing: Option<u64>,
}

/// Where a cluster's state lives.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Where, for messages (`./sakk.state.json`, `s3://bucket/key`).
    fn describe(&self) -> String;
    /// The stored state and its version, if any.
    async fn read(&self) -> Result<Option<(State, Version)>, StateError>;
    /// Writes `state` if the stored version is still `expected` (none: nothing stored yet);
    /// returns the new version. With a lease, the write is refused once the lease is lost or
    /// expired, and carries its fencing counter.
    async fn write(
        &self,
        state: &State,
        expected: Option<&Version>,
        lease: Option<&Lease>,
    ) -> Result<Version, StateError>;
    /// Takes the lock (once: waiting is the caller's choice).
    async fn lock(&self, info: &LockInfo) -> Result<Lease, StateError>;
    /// Extends a lease; a lease found taken over is marked lost and the error says by whom.
    async fn renew(&self, lease: &Lease) -> Result<(), StateError>;
    /// Releases the lock (only the holder can).
    async fn unlock(&self, lease: Lease) -> Result<(), StateError>;
    /// The lock as it stands (held, expired or released), when the store keeps a record.
    async fn lock_status(&self) -> Result<Option<LockRecord>, StateError> {
        Ok(None)
    }
    /// Breaks the lock with ID `id` (`sakk state unlock`); refused while its lease is fresh
    /// unless `force`. Returns the lock as it was.
    async fn force_unlock(&self, id: &str, force: bool) -> Result<LockRecord, StateError> {
        let _ = (id, force);
        Err(StateError::Unsupported {
            store: self.describe(),
            what: "unlocking by lock ID",
            why: "it keeps no lock record".to_owned(),
        })
    }
    /// The stored versions, newest first, at most `limit`.
    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StateError> {
        let _ = limit;
        Err(StateError::Unsupported {
            store: self.describe(),
            what: "history",
            why: "it keeps only the current state".to_owned(),
        })
    }
    /// One stored version.
    async fn read_version(&self, version_id: &str) -> Result<State, StateError> {
        let _ = version_id;
        Err(StateError::Unsupported {
            store: self.describe(),
            what: "reading earlier versions",
            why: "it keeps only the current state".to_owned(),
        })
    }
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
