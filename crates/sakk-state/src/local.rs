//! The state in a local file, written atomically and locked with an OS file lock.

use crate::{Lease, LockInfo, LockRecord, State, StateError, StateStore, Version};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A state file on the local disk.
#[derive(Debug, Clone)]
pub struct LocalStore {
    path: PathBuf,
}

fn digest(bytes: &[u8]) -> Version {
    Version(
        Sha256::digest(bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
    )
}

impl LocalStore {
    /// A store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    fn io(&self, action: &'static str, source: std::io::Error) -> StateError {
        StateError::Io {
            action,
            path: self.path.display().to_string(),
            source,
        }
    }

    fn current(&self) -> Result<Option<Vec<u8>>, StateError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.io("read", error)),
        }
    }

    /// Writes `bytes` so that a crash leaves either the old file or the new one, never a mix.
    fn replace(&self, bytes: &[u8]) -> Result<(), StateError> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|error| self.io("create the directory of", error))?;
        let mut name = std::ffi::OsString::from(".");
        name.push(self.path.file_name().unwrap_or_default());
        name.push(format!(".tmp.{}", std::process::id()));
        let temporary = dir.join(name);
        let mut file =
            std::fs::File::create(&temporary).map_err(|error| self.io("write", error))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|error| self.io("write", error))?;
        drop(file);
        std::fs::rename(&temporary, &self.path).map_err(|error| self.io("replace", error))?;
        // The rename is durable only once the directory entry is.
        if let Ok(directory) = std::fs::File::open(&dir) {
            let _ = directory.sync_all();
        }
        Ok(())
    }
}

#[async_trait]
impl StateStore for LocalStore {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    async fn read(&self) -> Result<Option<(State, Version)>, StateError> {
        let Some(bytes) = self.current()? else {
            return Ok(None);
        };
        let state = State::from_bytes(&self.describe(), &bytes)?;
        Ok(Some((state, digest(&bytes))))
    }

    async fn write(
        &self,
        state: &State,
        expected: Option<&Version>,
        _lease: Option<&Lease>,
    ) -> Result<Version, StateError> {
        let current = self.current()?.map(|bytes| digest(&bytes));
        if current.as_ref() != expected {
            return Err(StateError::Conflict {
                path: self.describe(),
            });
        }
        let bytes = state.to_bytes();
        self.replace(&bytes)?;
        Ok(digest(&bytes))
    }

    async fn lock(&self, info: &LockInfo) -> Result<Lease, StateError> {
        let path = self.lock_path();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|error| self.io("create the directory of", error))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|error| self.io("open the lock of", error))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder: Option<LockInfo> = std::fs::read(&path)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok());
                let holder = holder.unwrap_or(LockInfo {
                    holder: "another sakk process".into(),
                    operation: "unknown".into(),
                    since: 0,
                });
                return Err(StateError::Locked {
                    lock: path.display().to_string(),
                    id: format!("local:{}", path.display()),
                    holder: holder.holder,
                    operation: holder.operation,
                    since_ms: holder.since.saturating_mul(1000),
                    expires_ms: None,
                });
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(self.io("lock", error));
            }
        }
        // The OS lock is the lock; the content only tells others who holds it. It dies with
        // the process, so a killed apply never wedges the cluster.
        let text = serde_json::to_vec(info).unwrap_or_default();
        let _ = file.set_len(0);
        let _ = file.write_all(&text);
        let _ = file.flush();
        Ok(Lease::local(
            format!("local:{}", path.display()),
            info.clone(),
            Some(Box::new(file)),
        ))
    }

    async fn renew(&self, _lease: &Lease) -> Result<(), StateError> {
        Ok(())
    }

    async fn unlock(&self, lease: Lease) -> Result<(), StateError> {
        drop(lease);
        Ok(())
    }

    async fn force_unlock(&self, _id: &str, _force: bool) -> Result<LockRecord, StateError> {
        let why = match self
            .lock(&LockInfo {
                holder: "sakk state unlock".into(),
                operation: "unlock".into(),
                since: 0,
            })
            .await
        {
            Ok(_) => {
                return Err(StateError::NotLocked {
                    lock: self.lock_path().display().to_string(),
                });
            }
            Err(StateError::Locked {
                holder, operation, ..
            }) => format!(
                "it is an OS file lock held by the running process {holder} (`{operation}`), \
                 released the moment that process exits: stop it instead"
            ),
            Err(error) => return Err(error),
        };
        Err(StateError::Unsupported {
            store: self.lock_path().display().to_string(),
            what: "unlocking",
            why,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> LockInfo {
        LockInfo {
            holder: "me".into(),
            operation: "apply".into(),
            since: 1,
        }
    }

    #[tokio::test]
    async fn writes_are_compare_and_swap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalStore::new(dir.path().join("state.json"));
        assert!(store.read().await.expect("read").is_none());
        let mut state = State::new("demo", "eu-west-1", "l".into());
        let first = store.write(&state, None, None).await.expect("first write");
        state.serial = 1;
        let second = store
            .write(&state, Some(&first), None)
            .await
            .expect("second write");
        assert!(matches!(
            store.write(&state, Some(&first), None).await,
            Err(StateError::Conflict { .. })
        ));
        let (read, version) = store.read().await.expect("read").expect("present");
        assert_eq!(read, state);
        assert_eq!(version, second);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_release_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalStore::new(dir.path().join("state.json"));
        let lease = store.lock(&info()).await.expect("lock");
        match store.lock(&info()).await {
            Err(StateError::Locked {
                holder, operation, ..
            }) => {
                assert_eq!(holder, "me");
                assert_eq!(operation, "apply");
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        store.unlock(lease).await.expect("unlock");
        let lease = store.lock(&info()).await.expect("lock again");
        // A local lock cannot be broken by ID: it dies with its process.
        match store.force_unlock("any", true).await {
            Err(StateError::Unsupported { why, .. }) => {
                assert!(
                    why.contains("OS file lock held by the running process me"),
                    "{why}"
                );
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
        drop(lease);
        assert!(matches!(
            store.force_unlock("any", false).await,
            Err(StateError::NotLocked { .. })
        ));
    }
}
