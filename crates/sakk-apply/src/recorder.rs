//! The state while the engine works: every journal entry and every result is written through
//! to the store before the engine goes on, so a process killed at any instant leaves a state
//! that says what it knew.

use sakk_plan::{Address, Live, Observed};
use sakk_state::{FoundationOutputs, JournalEntry, Lease, State, StateError, StateStore, Version};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Mutex;

struct Inner {
    state: State,
    version: Option<Version>,
}

/// The state, its store and the lock held on it.
pub struct Recorder {
    store: Arc<dyn StateStore>,
    lease: Option<Lease>,
    inner: Mutex<Inner>,
}

impl Recorder {
    /// Wraps a state read from (or about to be created in) `store`.
    pub fn new(
        store: Arc<dyn StateStore>,
        lease: Option<Lease>,
        state: State,
        version: Option<Version>,
    ) -> Self {
        Self {
            store,
            lease,
            inner: Mutex::new(Inner { state, version }),
        }
    }

    /// A copy of the current state.
    pub async fn snapshot(&self) -> State {
        self.inner.lock().await.state.clone()
    }

    async fn persist(&self, inner: &mut Inner) -> Result<(), StateError> {
        inner.state.serial += 1;
        let version = self
            .store
            .write(&inner.state, inner.version.as_ref(), self.lease.as_ref())
            .await?;
        inner.version = Some(version);
        Ok(())
    }

    /// Changes the state and writes it.
    pub async fn update(&self, change: impl FnOnce(&mut State)) -> Result<(), StateError> {
        let mut inner = self.inner.lock().await;
        change(&mut inner.state);
        self.persist(&mut inner).await
    }

    /// Journals a mutating call before it is made and returns its idempotency token.
    pub async fn journal(
        &self,
        key: &str,
        address: &Address,
        operation: &str,
        now: u64,
    ) -> Result<String, StateError> {
        let mut inner = self.inner.lock().await;
        let token = inner.state.token(address, operation);
        inner.state.journal.insert(
            key.to_owned(),
            JournalEntry {
                address: address.clone(),
                operation: operation.to_owned(),
                token: token.clone(),
                started: now,
            },
        );
        self.persist(&mut inner).await?;
        Ok(token)
    }

    /// Records a resource as it now is and clears its journal entry.
    pub async fn record(
        &self,
        key: &str,
        live: &Live,
        depends_on: BTreeSet<Address>,
    ) -> Result<(), StateError> {
        let mut inner = self.inner.lock().await;
        inner.state.record(live, depends_on);
        inner.state.journal.remove(key);
        self.persist(&mut inner).await
    }

    /// Forgets a deleted resource (its generation moves on) and clears its journal entry.
    pub async fn forget(
        &self,
        key: &str,
        address: &Address,
        forget: bool,
    ) -> Result<(), StateError> {
        let mut inner = self.inner.lock().await;
        if forget {
            inner.state.forget(address);
        }
        inner.state.journal.remove(key);
        self.persist(&mut inner).await
    }

    /// The attributes known for a resource (from the state).
    pub async fn attributes(&self) -> BTreeMap<Address, BTreeMap<String, Value>> {
        let inner = self.inner.lock().await;
        inner
            .state
            .resources
            .iter()
            .map(|(address, resource)| (address.clone(), resource.attributes.clone()))
            .collect()
    }

    /// The account attributes.
    pub async fn account(&self) -> BTreeMap<String, Value> {
        self.inner.lock().await.state.account.clone()
    }

    /// Records the account and, for resources found in AWS but missing from the state (or
    /// recorded with another ID), nothing yet: adoption is a plan action.
    pub async fn set_account(&self, observed: &Observed) -> Result<(), StateError> {
        let mut inner = self.inner.lock().await;
        if inner.state.account == observed.account && inner.version.is_some() {
            return Ok(());
        }
        inner.state.account = observed.account.clone();
        self.persist(&mut inner).await
    }

    /// Recomputes the outputs and writes the state once more.
    pub async fn finish(&self) -> Result<FoundationOutputs, StateError> {
        let mut inner = self.inner.lock().await;
        let outputs =
            FoundationOutputs::from_resources(&inner.state.resources, &inner.state.account);
        inner.state.outputs = outputs.clone();
        self.persist(&mut inner).await?;
        Ok(outputs)
    }

    /// Releases the lock.
    pub async fn release(self) -> Result<(), StateError> {
        if let Some(lease) = self.lease {
            self.store.unlock(lease).await?;
        }
        Ok(())
    }
}
