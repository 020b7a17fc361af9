//! The state in S3: one object per cluster, written with compare-and-swap on its ETag, under a
//! lock with a lease and a fencing counter; every version kept by the bucket's versioning.

use crate::clock::Clock;
use crate::conditional::{Put, put_conditional};
use crate::lock::{DynamoLock, Lock, Locking, S3Lock};
use crate::{HistoryEntry, Lease, LockInfo, LockRecord, State, StateError, StateStore, Version};
use async_trait::async_trait;
use sakk_cloud::dynamodb::DynamoDb;
use sakk_cloud::objects::{Encryption, Objects, Precondition};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Where the state is and how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3StoreSettings {
    /// Bucket.
    pub bucket: String,
    /// Key of the state object.
    pub key: String,
    /// KMS key for the state and lock objects (none: S3-managed keys, `AES256`).
    pub kms_key_id: Option<String>,
    /// Lease length of the lock.
    pub lease: Duration,
}

/// A state object in S3.
pub struct S3Store {
    objects: Arc<dyn Objects>,
    bucket: String,
    key: String,
    encryption: Encryption,
    locking: Locking,
}

/// User metadata on every state object sakk writes, so `history` can say who wrote each
/// version without downloading it.
mod meta {
    pub const SERIAL: &str = "sakk-serial";
    pub const LINEAGE: &str = "sakk-lineage";
    pub const FENCING: &str = "sakk-fencing";
    pub const WRITER: &str = "sakk-writer";
    pub const OPERATION: &str = "sakk-operation";
}

/// S3 metadata travels in HTTP headers: printable ASCII only.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_ascii_graphic() || character == ' ' {
                character
            } else {
                '?'
            }
        })
        .take(200)
        .collect()
}

fn encryption(settings: &S3StoreSettings) -> Encryption {
    match &settings.kms_key_id {
        Some(key) => Encryption::Kms(key.clone()),
        None => Encryption::S3Managed,
    }
}

impl S3Store {
    /// The state at `settings`, locked with `lock`.
    pub fn new(
        objects: Arc<dyn Objects>,
        lock: Arc<dyn Lock>,
        settings: &S3StoreSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let describe = format!("s3://{}/{}", settings.bucket, settings.key);
        Self {
            objects,
            bucket: settings.bucket.clone(),
            key: settings.key.clone(),
            encryption: encryption(settings),
            locking: Locking::new(lock, clock, settings.lease, &describe),
        }
    }

    /// The state at `settings`, locked with an S3 lock object next to it.
    pub fn with_s3_lock(
        objects: Arc<dyn Objects>,
        settings: &S3StoreSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let lock = S3Lock::new(
            objects.clone(),
            &settings.bucket,
            &settings.key,
            encryption(settings),
        );
        Self::new(objects, Arc::new(lock), settings, clock)
    }

    /// The state at `settings`, locked with an item in the DynamoDB table `table`.
    pub fn with_dynamodb_lock(
        objects: Arc<dyn Objects>,
        dynamodb: Arc<dyn DynamoDb>,
        table: &str,
        settings: &S3StoreSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let lock = DynamoLock::new(dynamodb, table, &settings.bucket, &settings.key);
        Self::new(objects, Arc::new(lock), settings, clock)
    }

    /// The lock protocol.
    pub fn locking(&self) -> &Locking {
        &self.locking
    }

    /// Stamps the state with the new lease's fencing counter (without changing its serial:
    /// nothing in it changed), so that from now on a writer holding an older lease finds the
    /// object changed under its ETag and is refused. Done before the lock is handed out.
    async fn claim(&self, lease: &Lease) -> Result<(), StateError> {
        for _ in 0..5 {
            let Some((state, version)) = self.read().await? else {
                return Ok(());
            };
            if state.fencing >= lease.fencing {
                return Ok(());
            }
            match self.write(&state, Some(&version), Some(lease)).await {
                Ok(_) => return Ok(()),
                // A writer with the old lease got in between the read and the write: read
                // its state and stamp that.
                Err(StateError::Conflict { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(StateError::Conflict {
            path: self.describe(),
        })
    }

    /// Why a compare-and-swap write failed: a newer lock's writer (fencing), or just a
    /// concurrent change.
    async fn conflict(&self, lease: Option<&Lease>) -> StateError {
        if let (Some(lease), Ok(Some((current, _)))) = (lease, self.read().await)
            && current.fencing > lease.fencing
        {
            lease.mark_lost(format!(
                "the state was written under fencing {} (this run holds {})",
                current.fencing, lease.fencing
            ));
            return StateError::Fenced {
                path: self.describe(),
                stored: current.fencing,
                ours: lease.fencing,
            };
        }
        StateError::Conflict {
            path: self.describe(),
        }
    }
}

#[async_trait]
impl StateStore for S3Store {
    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn read(&self) -> Result<Option<(State, Version)>, StateError> {
        let object = self
            .objects
            .get(&self.bucket, &self.key)
            .await
            .map_err(|source| StateError::cloud("read", self.describe(), source))?;
        object
            .map(|object| {
                let state = State::from_bytes(&self.describe(), &object.body)?;
                Ok((state, Version(object.etag)))
            })
            .transpose()
    }

    async fn write(
        &self,
        state: &State,
        expected: Option<&Version>,
        lease: Option<&Lease>,
    ) -> Result<Version, StateError> {
        let mut stored = state.clone();
        let mut metadata = BTreeMap::from([
            (meta::SERIAL.to_owned(), state.serial.to_string()),
            (meta::LINEAGE.to_owned(), header_safe(&state.lineage)),
        ]);
        if let Some(lease) = lease {
            lease.check(&self.locking.describe(), self.locking.clock().now_ms())?;
            if state.fencing > lease.fencing {
                return Err(StateError::Fenced {
                    path: self.describe(),
                    stored: state.fencing,
                    ours: lease.fencing,
                });
            }
            stored.fencing = lease.fencing;
            metadata.insert(meta::WRITER.to_owned(), header_safe(&lease.info.holder));
            metadata.insert(
                meta::OPERATION.to_owned(),
                header_safe(&lease.info.operation),
            );
        }
        metadata.insert(meta::FENCING.to_owned(), stored.fencing.to_string());
        let precondition = match expected {
            None => Precondition::Absent,
            Some(Version(etag)) => Precondition::Matches(etag.clone()),
        };
        let written = put_conditional(
            self.objects.as_ref(),
            &self.describe(),
            Put {
                bucket: &self.bucket,
                key: &self.key,
                body: stored.to_bytes(),
                precondition: &precondition,
                encryption: &self.encryption,
                metadata: &metadata,
            },
        )
        .await?;
        match written {
            Some(etag) => Ok(Version(etag)),
            None => Err(self.conflict(lease).await),
        }
    }

    async fn lock(&self, info: &LockInfo) -> Result<Lease, StateError> {
        // The new counter must exceed the one in the state too, in case the lock record was
        // deleted by hand.
        let floor = self.read().await?.map_or(0, |(state, _)| state.fencing);
        let taken = self.locking.acquire(info, floor).await?;
        let lease = Lease::remote(info.clone(), taken, self.locking.lease());
        if let Err(error) = self.claim(&lease).await {
            let _ = self.unlock(lease).await;
            return Err(error);
        }
        Ok(lease)
    }

    async fn renew(&self, lease: &Lease) -> Result<(), StateError> {
        let Some(taken) = lease.taken() else {
            return Ok(());
        };
        match self.locking.renew(&taken).await {
            Ok(renewed) => {
                lease.renewed(renewed);
                Ok(())
            }
            Err(StateError::LeaseLost { lock, detail }) => {
                lease.mark_lost(detail.clone());
                Err(StateError::LeaseLost { lock, detail })
            }
            Err(error) => Err(error),
        }
    }

    async fn unlock(&self, lease: Lease) -> Result<(), StateError> {
        match lease.taken() {
            Some(taken) => self.locking.release(&taken).await,
            None => Ok(()),
        }
    }

    async fn lock_status(&self) -> Result<Option<LockRecord>, StateError> {
        self.locking.status().await
    }

    async fn force_unlock(&self, id: &str, force: bool) -> Result<LockRecord, StateError> {
        self.locking.unlock(id, force).await
    }

    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StateError> {
        let mut entries = Vec::new();
        let mut start: Option<String> = None;
        while entries.len() < limit {
            let page = self
                .objects
                .versions(&self.bucket, &self.key, start.as_deref())
                .await
                .map_err(|source| {
                    StateError::cloud("list the versions of", self.describe(), source)
                })?;
            for version in page.versions {
                if entries.len() >= limit {
                    break;
                }
                let metadata = if version.is_delete_marker {
                    BTreeMap::new()
                } else {
                    self.objects
                        .version_metadata(&self.bucket, &self.key, &version.version_id)
                        .await
                        .map_err(|source| {
                            StateError::cloud("read a version of", self.describe(), source)
                        })?
                };
                let number = |name: &str| metadata.get(name).and_then(|text| text.parse().ok());
                entries.push(HistoryEntry {
                    version_id: version.version_id,
                    written_ms: version.last_modified_ms,
                    current: version.is_latest,
                    deleted: version.is_delete_marker,
                    serial: number(meta::SERIAL),
                    writer: metadata.get(meta::WRITER).cloned(),
                    operation: metadata.get(meta::OPERATION).cloned(),
                    fencing: number(meta::FENCING),
                });
            }
            match page.next {
                Some(next) => start = Some(next),
                None => break,
            }
        }
        Ok(entries)
    }

    async fn read_version(&self, version_id: &str) -> Result<State, StateError> {
        let path = format!("{} (version {version_id})", self.describe());
        let object = self
            .objects
            .get_version(&self.bucket, &self.key, version_id)
            .await
            .map_err(|source| StateError::cloud("read", path.clone(), source))?;
        State::from_bytes(&path, &object.body)
    }
}
