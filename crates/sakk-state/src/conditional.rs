//! Conditional writes to S3, and its `409 ConditionalRequestConflict`.
//!
//! S3 answers 409 when another conditional write to the same object is in progress: nothing
//! was written and the condition was not judged, so the same request is sent again after a
//! short random pause (at most [`CONFLICT_ATTEMPTS`] times), then the write fails with
//! [`StateError::ConditionalConflicts`]. A 412 (the condition does not hold) is never repeated:
//! the caller reads what won.

use crate::StateError;
use sakk_cloud::objects::{Encryption, Objects, Precondition, PutOutcome};
use std::collections::BTreeMap;
use std::time::Duration;

/// How many times one conditional write is sent while S3 answers 409 (at 30% of writes
/// conflicting, all of them fail with a chance of 5 in 10 million).
pub const CONFLICT_ATTEMPTS: u32 = 12;

/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_millis(800);

/// A conditional `PutObject`.
pub(crate) struct Put<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub body: Vec<u8>,
    pub precondition: &'a Precondition,
    pub encryption: &'a Encryption,
    pub metadata: &'a BTreeMap<String, String>,
}

/// Sends `put` (to the object `path` names, for messages); the new ETag, or none when the
/// precondition did not hold.
pub(crate) async fn put_conditional(
    objects: &dyn Objects,
    path: &str,
    put: Put<'_>,
) -> Result<Option<String>, StateError> {
    for attempt in 0..CONFLICT_ATTEMPTS {
        let outcome = objects
            .put(
                put.bucket,
                put.key,
                put.body.clone(),
                put.precondition,
                put.encryption,
                put.metadata,
            )
            .await
            .map_err(|source| StateError::cloud("write", path.to_owned(), source))?;
        match outcome {
            PutOutcome::Written { etag, .. } => return Ok(Some(etag)),
            PutOutcome::PreconditionFailed => return Ok(None),
            PutOutcome::Conflicted if attempt + 1 < CONFLICT_ATTEMPTS => {
                tokio::time::sleep(pause(attempt)).await;
            }
            PutOutcome::Conflicted => {}
        }
    }
    Err(StateError::ConditionalConflicts {
        path: path.to_owned(),
        attempts: CONFLICT_ATTEMPTS,
    })
}

/// Full jitter over 25 ms doubling per attempt, at most [`MAX_PAUSE`].
fn pause(attempt: u32) -> Duration {
    let ceiling = (25u64 << attempt.min(10)).min(MAX_PAUSE.as_millis() as u64);
    Duration::from_millis(fastrand::u64(ceiling / 2..=ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_stay_bounded() {
        for attempt in 0..CONFLICT_ATTEMPTS {
            let pause = pause(attempt);
            assert!(pause <= MAX_PAUSE, "{pause:?}");
            assert!(pause >= Duration::from_millis(12), "{pause:?}");
        }
    }
}
