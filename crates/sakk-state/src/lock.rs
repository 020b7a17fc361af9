//! Locks with a lease and a fencing counter, for a state kept in S3.
//!
//! A lock is one small record (who, what operation, since when, until when, lock ID, fencing
//! counter) kept where two writers can compare-and-swap it. [`Lock`] is that place, in two
//! flavours: an S3 object next to the state ([`S3Lock`], written with `If-None-Match: *` and
//! `If-Match`) and a DynamoDB item ([`DynamoLock`], written with a condition on its revision).
//! [`Locking`] is the protocol on top, written once for both:
//!
//! - **acquire**: read the record; a record that is held and whose lease has not expired is
//!   refused with its holder; otherwise (none, released, expired) swap in a new record whose
//!   fencing counter is one more than both the old record's and the state's. Two takers race
//!   on the swap and exactly one wins.
//! - **renew**: swap in the same record with a later expiry, only while it is still ours (same
//!   lock ID and fencing). Otherwise the lease is lost.
//! - **release**: swap in the record marked released (the counter stays, so it only grows);
//!   only the holder releases.
//! - **unlock** (`sakk state unlock`): mark a record released by its lock ID; refused while
//!   its lease is fresh unless forced.

use crate::clock::{Clock, format_time, rfc3339_ms};
use crate::conditional::{Put, put_conditional};
use crate::{LockInfo, StateError};
use async_trait::async_trait;
use sakk_cloud::dynamodb::{Attribute, Condition, DynamoDb, Item, WriteOutcome};
use sakk_cloud::objects::{Encryption, Objects, Precondition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The lock record format this sakk writes.
pub const LOCK_FORMAT_VERSION: u32 = 1;

/// Default lease: long enough that a slow network never loses it (it is renewed every quarter
/// of it), short enough that a killed holder blocks the cluster for a minute at most.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The lock record, as stored (JSON in the S3 lock object, the `Info` attribute of the
/// DynamoDB item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRecord {
    /// Format version of the record.
    pub format_version: u32,
    /// Lock ID: what `sakk state unlock` names.
    pub id: String,
    /// `user@host (pid N)`.
    pub holder: String,
    /// `apply`, `destroy`, `state push`...
    pub operation: String,
    /// The state it guards (`s3://bucket/key`).
    pub state: String,
    /// When it was taken.
    #[serde(rename = "acquired", with = "rfc3339_ms")]
    pub acquired_ms: u64,
    /// When the lease was last renewed.
    #[serde(rename = "renewed", with = "rfc3339_ms")]
    pub renewed_ms: u64,
    /// When the lease ends unless renewed; after it, others may take the lock over.
    #[serde(rename = "expires", with = "rfc3339_ms")]
    pub expires_ms: u64,
    /// Grows with every acquisition and is never reset; written into the state with every
    /// write, so a holder whose lease was taken over is recognised.
    pub fencing: u64,
    /// True once released (the record stays, so the counter keeps growing).
    pub released: bool,
    /// The sakk version of the holder.
    pub sakk_version: String,
}

impl LockRecord {
    /// True when someone holds it at `now_ms`: not released and the lease not expired.
    pub fn is_held_at(&self, now_ms: u64) -> bool {
        !self.released && now_ms < self.expires_ms
    }

    /// Parses a record of any format this sakk knows.
    pub fn from_bytes(path: &str, bytes: &[u8]) -> Result<Self, StateError> {
        #[derive(Deserialize)]
        struct Header {
            format_version: Option<u32>,
        }
        let malformed = |detail: String| StateError::Malformed {
            path: path.to_owned(),
            detail: format!("not a sakk lock record: {detail}"),
        };
        let header: Header =
            serde_json::from_slice(bytes).map_err(|error| malformed(error.to_string()))?;
        match header.format_version {
            Some(LOCK_FORMAT_VERSION) => {
                serde_json::from_slice(bytes).map_err(|error| malformed(error.to_string()))
            }
            Some(found) if found > LOCK_FORMAT_VERSION => Err(StateError::NewerFormat {
                path: path.to_owned(),
                found,
                supported: LOCK_FORMAT_VERSION,
            }),
            Some(found) => Err(malformed(format!("unknown format version {found}"))),
            None => Err(malformed("no `format_version`".to_owned())),
        }
    }

    /// The stored bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The error that tells someone else this lock is held.
    pub fn locked_error(&self, lock: &str) -> StateError {
        StateError::Locked {
            lock: lock.to_owned(),
            id: self.id.clone(),
            holder: self.holder.clone(),
            operation: self.operation.clone(),
            since_ms: self.acquired_ms,
            expires_ms: Some(self.expires_ms),
        }
    }
}

/// An opaque revision of a stored lock record, for compare-and-swap (an ETag in S3, the
/// `Revision` attribute in DynamoDB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision(pub String);

/// Where a lock record lives: read it, and replace it only if it is still the revision read.
/// The whole protocol ([`Locking`]) rests on these two operations, so both flavours behave
/// the same.
#[async_trait]
pub trait Lock: Send + Sync {
    /// Where, for messages (`s3://bucket/key.lock`, `dynamodb://table/LockID`).
    fn describe(&self) -> String;
    /// The stored record and its revision, if any.
    async fn read(&self) -> Result<Option<(LockRecord, Revision)>, StateError>;
    /// Stores `record` if the stored revision is still `expected` (none: no record yet);
    /// returns the new revision, or `None` when someone else wrote first.
    async fn swap(
        &self,
        record: &LockRecord,
        expected: Option<&Revision>,
    ) -> Result<Option<Revision>, StateError>;
}

fn random_hex(length: usize) -> String {
    let mut random = fastrand::Rng::new();
    (0..length)
        .map(|_| char::from_digit(random.u32(0..16), 16).unwrap_or('0'))
        .collect()
}

/// The lock protocol over either flavour.
#[derive(Clone)]
pub struct Locking {
    lock: Arc<dyn Lock>,
    clock: Arc<dyn Clock>,
    lease: Duration,
    state: String,
}

/// A lock just taken: its record and revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The record as stored.
    pub record: LockRecord,
    /// Its revision.
    pub revision: Revision,
}

impl Locking {
    /// The protocol on `lock`, guarding the state at `state` (for the record), with leases of
    /// `lease`.
    pub fn new(lock: Arc<dyn Lock>, clock: Arc<dyn Clock>, lease: Duration, state: &str) -> Self {
        Self {
            lock,
            clock,
            lease,
            state: state.to_owned(),
        }
    }

    /// Where the lock lives.
    pub fn describe(&self) -> String {
        self.lock.describe()
    }

    /// The lease length.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The clock leases are measured with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn lease_ms(&self) -> u64 {
        u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX)
    }

    /// The record as it stands, if any.
    pub async fn status(&self) -> Result<Option<LockRecord>, StateError> {
        Ok(self.lock.read().await?.map(|(record, _)| record))
    }

    /// Takes the lock, with a fencing counter above `floor` (the counter last written into
    /// the state) and above every earlier holder's.
    pub async fn acquire(&self, info: &LockInfo, floor: u64) -> Result<Taken, StateError> {
        // Each round either wins the swap or loses it to a writer the next read sees; a
        // record that keeps changing without ever being held is a fault, not a race.
        for _ in 0..5 {
            let now = self.clock.now_ms();
            let current = self.lock.read().await?;
            if let Some((record, _)) = &current
                && record.is_held_at(now)
            {
                return Err(record.locked_error(&self.describe()));
            }
            let previous = current.as_ref().map_or(0, |(record, _)| record.fencing);
            let record = LockRecord {
                format_version: LOCK_FORMAT_VERSION,
                id: random_hex(32),
                holder: info.holder.clone(),
                operation: info.operation.clone(),
                state: self.state.clone(),
                acquired_ms: now,
                renewed_ms: now,
                expires_ms: now.saturating_add(self.lease_ms()),
                fencing: previous.max(floor) + 1,
                released: false,
                sakk_version: env!("CARGO_PKG_VERSION").to_owned(),
            };
            let expected = current.as_ref().map(|(_, revision)| revision);
            if let Some(revision) = self.lock.swap(&record, expected).await? {
                return Ok(Taken { record, revision });
            }
        }
        Err(StateError::Conflict {
            path: self.describe(),
        })
    }

    /// Extends the lease of `taken`, if the lock is still ours.
    pub async fn renew(&self, taken: &Taken) -> Result<Taken, StateError> {
        let now = self.clock.now_ms();
        let (current, revision) = self.ours(&taken.record).await?;
        let record = LockRecord {
            renewed_ms: now,
            expires_ms: now.saturating_add(self.lease_ms()),
            ..current
        };
        match self.lock.swap(&record, Some(&revision)).await? {
            Some(revision) => Ok(Taken { record, revision }),
            None => Err(self.lost("someone else wrote the lock while it was being renewed")),
        }
    }

    /// Releases the lock, if it is still ours.
    pub async fn release(&self, taken: &Taken) -> Result<(), StateError> {
        let (current, revision) = self.ours(&taken.record).await?;
        let record = LockRecord {
            released: true,
            expires_ms: self.clock.now_ms(),
            ..current
        };
        match self.lock.swap(&record, Some(&revision)).await? {
            Some(_) => Ok(()),
            None => Err(self.lost("someone else wrote the lock while it was being released")),
        }
    }

    /// Breaks the lock with ID `id` for `sakk state unlock`: refused while its lease is fresh
    /// unless `force`. Returns the record as it was.
    pub async fn unlock(&self, id: &str, force: bool) -> Result<LockRecord, StateError> {
        let now = self.clock.now_ms();
        let Some((current, revision)) = self.lock.read().await? else {
            return Err(StateError::NotLocked {
                lock: self.describe(),
            });
        };
        if current.released {
            return Err(StateError::NotLocked {
                lock: self.describe(),
            });
        }
        if current.id != id {
            return Err(StateError::WrongLockId {
                lock: self.describe(),
                given: id.to_owned(),
                current: current.id.clone(),
                holder: current.holder.clone(),
            });
        }
        if current.is_held_at(now) && !force {
            return Err(StateError::LeaseFresh {
                lock: self.describe(),
                holder: current.holder.clone(),
                operation: current.operation.clone(),
                expires_ms: current.expires_ms,
            });
        }
        let record = LockRecord {
            released: true,
            expires_ms: now,
            ..current.clone()
        };
        match self.lock.swap(&record, Some(&revision)).await? {
            Some(_) => Ok(current),
            None => Err(StateError::Conflict {
                path: self.describe(),
            }),
        }
    }

    /// The stored record if it is still the lock `ours` describes.
    async fn ours(&self, ours: &LockRecord) -> Result<(LockRecord, Revision), StateError> {
        match self.lock.read().await? {
            Some((current, revision))
                if current.id == ours.id
                    && current.fencing == ours.fencing
                    && !current.released =>
            {
                Ok((current, revision))
            }
            Some((current, _)) if current.released && current.id == ours.id => {
                Err(self.lost("it was released by someone else (`sakk state unlock`)".to_owned()))
            }
            Some((current, _)) => Err(self.lost(format!(
                "{} took it over for `{}` at {} (fencing {})",
                current.holder,
                current.operation,
                format_time(current.acquired_ms),
                current.fencing
            ))),
            None => Err(self.lost("the lock record was deleted".to_owned())),
        }
    }

    fn lost(&self, detail: impl Into<String>) -> StateError {
        StateError::LeaseLost {
            lock: self.describe(),
            detail: detail.into(),
        }
    }
}

/// The S3 flavour: a JSON object next to the state (`<key>.lock`), created with
/// `If-None-Match: *` and replaced with `If-Match` on its ETag.
pub struct S3Lock {
    objects: Arc<dyn Objects>,
    bucket: String,
    key: String,
    encryption: Encryption,
}

impl S3Lock {
    /// The lock object of the state at `bucket`/`state_key`.
    pub fn new(
        objects: Arc<dyn Objects>,
        bucket: &str,
        state_key: &str,
        encryption: Encryption,
    ) -> Self {
        Self {
            objects,
            bucket: bucket.to_owned(),
            key: lock_key(state_key),
            encryption,
        }
    }
}

/// The key of the lock object of the state at `state_key`.
pub fn lock_key(state_key: &str) -> String {
    format!("{state_key}.lock")
}

#[async_trait]
impl Lock for S3Lock {
    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn read(&self) -> Result<Option<(LockRecord, Revision)>, StateError> {
        let object = self
            .objects
            .get(&self.bucket, &self.key)
            .await
            .map_err(|source| StateError::cloud("read", self.describe(), source))?;
        object
            .map(|object| {
                let record = LockRecord::from_bytes(&self.describe(), &object.body)?;
                Ok((record, Revision(object.etag)))
            })
            .transpose()
    }

    async fn swap(
        &self,
        record: &LockRecord,
        expected: Option<&Revision>,
    ) -> Result<Option<Revision>, StateError> {
        let precondition = match expected {
            None => Precondition::Absent,
            Some(Revision(etag)) => Precondition::Matches(etag.clone()),
        };
        let written = put_conditional(
            self.objects.as_ref(),
            &self.describe(),
            Put {
                bucket: &self.bucket,
                key: &self.key,
                body: record.to_bytes(),
                precondition: &precondition,
                encryption: &self.encryption,
                metadata: &BTreeMap::new(),
            },
        )
        .await?;
        Ok(written.map(Revision))
    }
}

/// The DynamoDB flavour: one item per state in the table named by `dynamodb_table`, keyed
/// like Terraform's (`LockID` = `<bucket>/<key>`), written with a condition on its `Revision`
/// (or on its absence). `Fencing` and `Expires` are kept as numbers beside the JSON `Info`
/// so the table can be read with the AWS console.
pub struct DynamoLock {
    dynamodb: Arc<dyn DynamoDb>,
    table: String,
    lock_id: String,
}

/// The hash key of the lock table (Terraform's name, so one table serves both).
pub const LOCK_TABLE_KEY: &str = "LockID";

impl DynamoLock {
    /// The lock item of the state at `bucket`/`state_key` in `table`.
    pub fn new(dynamodb: Arc<dyn DynamoDb>, table: &str, bucket: &str, state_key: &str) -> Self {
        Self {
            dynamodb,
            table: table.to_owned(),
            lock_id: format!("{bucket}/{state_key}"),
        }
    }
}

#[async_trait]
impl Lock for DynamoLock {
    fn describe(&self) -> String {
        format!("dynamodb://{}/{}", self.table, self.lock_id)
    }

    async fn read(&self) -> Result<Option<(LockRecord, Revision)>, StateError> {
        let item = self
            .dynamodb
            .get_item(&self.table, LOCK_TABLE_KEY, &self.lock_id)
            .await
            .map_err(|source| StateError::cloud("read", self.describe(), source))?;
        let Some(item) = item else {
            return Ok(None);
        };
        let text = |name: &str| item.get(name).and_then(Attribute::as_str);
        let (Some(info), Some(revision)) = (text("Info"), text("Revision")) else {
            return Err(StateError::Malformed {
                path: self.describe(),
                detail: "the lock item has no `Info` or `Revision`: it was not written by sakk"
                    .to_owned(),
            });
        };
        let record = LockRecord::from_bytes(&self.describe(), info.as_bytes())?;
        Ok(Some((record, Revision(revision.to_owned()))))
    }

    async fn swap(
        &self,
        record: &LockRecord,
        expected: Option<&Revision>,
    ) -> Result<Option<Revision>, StateError> {
        let revision = random_hex(32);
        let info = String::from_utf8(record.to_bytes()).unwrap_or_default();
        let item: Item = [
            (LOCK_TABLE_KEY, Attribute::String(self.lock_id.clone())),
            ("Info", Attribute::String(info)),
            ("Revision", Attribute::String(revision.clone())),
            ("Fencing", Attribute::Number(record.fencing.to_string())),
            ("Expires", Attribute::Number(record.expires_ms.to_string())),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let condition = match expected {
            None => Condition {
                expression: format!("attribute_not_exists({LOCK_TABLE_KEY})"),
                ..Condition::default()
            },
            Some(Revision(expected)) => Condition {
                expression: "#revision = :revision".to_owned(),
                names: [("#revision".to_owned(), "Revision".to_owned())].into(),
                values: [(":revision".to_owned(), Attribute::String(expected.clone()))].into(),
            },
        };
        let outcome = self
            .dynamodb
            .put_item(&self.table, item, Some(&condition))
            .await
            .map_err(|source| StateError::cloud("write", self.describe(), source))?;
        Ok(match outcome {
            WriteOutcome::Written => Some(Revision(revision)),
            WriteOutcome::ConditionFailed => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Mutex;

    /// A lock in memory with the same compare-and-swap rule, to test the protocol alone.
    #[derive(Default)]
    struct MemoryLock {
        stored: Mutex<Option<(LockRecord, u64)>>,
    }

    #[async_trait]
    impl Lock for MemoryLock {
        fn describe(&self) -> String {
            "memory".into()
        }

        async fn read(&self) -> Result<Option<(LockRecord, Revision)>, StateError> {
            let stored = self.stored.lock().expect("lock");
            Ok(stored
                .as_ref()
                .map(|(record, revision)| (record.clone(), Revision(revision.to_string()))))
        }

        async fn swap(
            &self,
            record: &LockRecord,
            expected: Option<&Revision>,
        ) -> Result<Option<Revision>, StateError> {
            let mut stored = self.stored.lock().expect("lock");
            let current = stored
                .as_ref()
                .map(|(_, revision)| Revision(revision.to_string()));
            if current.as_ref() != expected {
                return Ok(None);
            }
            let next = stored.as_ref().map_or(1, |(_, revision)| revision + 1);
            *stored = Some((record.clone(), next));
            Ok(Some(Revision(next.to_string())))
        }
    }

    fn info(holder: &str) -> LockInfo {
        LockInfo {
            holder: holder.into(),
            operation: "apply".into(),
            since: 0,
        }
    }

    #[tokio::test]
    async fn the_counter_only_grows_and_the_floor_is_respected() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let locking = Locking::new(
            Arc::new(MemoryLock::default()),
            clock.clone(),
            Duration::from_secs(10),
            "s3://b/k",
        );
        let first = locking.acquire(&info("a"), 0).await.expect("first");
        assert_eq!(first.record.fencing, 1);
        locking.release(&first).await.expect("release");
        let second = locking.acquire(&info("b"), 0).await.expect("second");
        assert_eq!(second.record.fencing, 2);
        clock.advance(Duration::from_secs(11));
        let third = locking.acquire(&info("c"), 7).await.expect("takeover");
        assert_eq!(third.record.fencing, 8, "above the state's counter");
        assert!(matches!(
            locking.renew(&second).await,
            Err(StateError::LeaseLost { .. })
        ));
    }

    #[test]
    fn records_round_trip_and_newer_formats_are_refused() {
        let record = LockRecord {
            format_version: LOCK_FORMAT_VERSION,
            id: "abc".into(),
            holder: "ada@host (pid 1)".into(),
            operation: "apply".into(),
            state: "s3://b/k".into(),
            acquired_ms: 1_795_000_000_123,
            renewed_ms: 1_795_000_000_123,
            expires_ms: 1_795_000_060_123,
            fencing: 3,
            released: false,
            sakk_version: "0.1.0".into(),
        };
        let bytes = record.to_bytes();
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(text.contains("\"acquired\": \"2026-11-18T"), "{text}");
        assert_eq!(LockRecord::from_bytes("l", &bytes).expect("reads"), record);
        let newer = text.replace("\"format_version\": 1", "\"format_version\": 2");
        assert!(matches!(
            LockRecord::from_bytes("l", newer.as_bytes()),
            Err(StateError::NewerFormat { found: 2, .. })
        ));
    }
}
