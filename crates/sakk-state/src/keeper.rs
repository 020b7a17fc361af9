//! Renewing a lease in the background while a long run works.

use crate::{Lease, StateError, StateStore};
use std::sync::Arc;
use std::time::Duration;

/// The background renewal of one lease; stopped when dropped.
#[derive(Debug)]
pub struct KeepAlive {
    task: tokio::task::JoinHandle<()>,
}

impl KeepAlive {
    /// Stops renewing (before the lease is released, so the two never race).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Renews `lease` every quarter of its length until stopped, on the current tokio runtime.
/// A renewal that finds the lock taken over marks the lease lost (every later write through it
/// is refused) and stops; one that fails for another reason (the network) is retried sooner,
/// and the lease's own expiry keeps a writer from writing past it meanwhile. `None` for a lease
/// that does not expire.
pub fn keep_alive(store: Arc<dyn StateStore>, lease: &Lease) -> Option<KeepAlive> {
    let duration = lease.duration()?;
    let lease = lease.clone();
    let interval = (duration / 4).max(Duration::from_millis(50));
    let retry = (interval / 4).max(Duration::from_millis(50));
    let task = tokio::spawn(async move {
        let mut delay = interval;
        loop {
            tokio::time::sleep(delay).await;
            match store.renew(&lease).await {
                Ok(()) => delay = interval,
                Err(StateError::LeaseLost { detail, .. }) => {
                    lease.mark_lost(detail);
                    return;
                }
                Err(_) => delay = retry,
            }
        }
    });
    Some(KeepAlive { task })
}
