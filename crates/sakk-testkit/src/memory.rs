//! A state store in memory: the in-process crash matrix writes state hundreds of times per run;
//! the file store's atomic writes are tested on their own and by the real-process matrix.

use async_trait::async_trait;
use sakk_state::{Lease, LockInfo, State, StateError, StateStore, Version};
use std::sync::Mutex;

/// State kept in memory, with the same compare-and-swap rule as the other stores.
#[derive(Debug, Default)]
pub struct MemoryStore {
    stored: Mutex<Option<(State, u64)>>,
}

#[async_trait]
impl StateStore for MemoryStore {
    fn describe(&self) -> String {
        "memory".into()
    }

    async fn read(&self) -> Result<Option<(State, Version)>, StateError> {
        let stored = self
            .stored
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(stored
            .as_ref()
            .map(|(state, version)| (state.clone(), Version(version.to_string()))))
    }

    async fn write(
        &self,
        state: &State,
        expected: Option<&Version>,
        _lease: Option<&Lease>,
    ) -> Result<Version, StateError> {
        let mut stored = self
            .stored
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = stored
            .as_ref()
            .map(|(_, version)| Version(version.to_string()));
        if current.as_ref() != expected {
            return Err(StateError::Conflict {
                path: "memory".into(),
            });
        }
        let next = stored.as_ref().map_or(1, |(_, version)| version + 1);
        *stored = Some((state.clone(), next));
        Ok(Version(next.to_string()))
    }

    async fn lock(&self, info: &LockInfo) -> Result<Lease, StateError> {
        Ok(Lease::local("memory".into(), info.clone(), None))
    }

    async fn renew(&self, _lease: &Lease) -> Result<(), StateError> {
        Ok(())
    }

    async fn unlock(&self, _lease: Lease) -> Result<(), StateError> {
        Ok(())
    }
}
