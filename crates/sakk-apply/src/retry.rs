//! Calling AWS politely: a token bucket per service, and retries by error class with
//! exponential backoff and full jitter.
//!
//! Classes (G8, G9):
//! - throttling: always retried, up to `throttle_attempts`;
//! - service or network failure: a read is retried; a write is not (its effect is unknown: the
//!   step finds the resource again before anything is repeated);
//! - named eventual-consistency classes (IAM propagation, NotFound right after a create,
//!   ResourceInUse / DependencyViolation while something drains): retried for a time budget
//!   when the caller names the class;
//! - anything else fails at once, with AWS's request ID.

use crate::clock::{Clock, Random};
use crate::events::{Event, Events};
use sakk_cloud::{CloudError, CloudResult, ErrorKind};
use sakk_plan::Address;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Backoff and budgets.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// First delay.
    pub base: Duration,
    /// Largest delay.
    pub cap: Duration,
    /// Attempts for throttled calls (the first included).
    pub throttle_attempts: u32,
    /// Attempts for reads that failed in the service or the network.
    pub unavailable_attempts: u32,
    /// How long to wait out IAM propagation.
    pub propagation: Duration,
    /// How long to wait out NotFound right after a create.
    pub not_found_after_create: Duration,
    /// How long to wait for dependants to go away on a delete.
    pub in_use: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(20),
            throttle_attempts: 13,
            unavailable_attempts: 6,
            propagation: Duration::from_secs(120),
            not_found_after_create: Duration::from_secs(60),
            in_use: Duration::from_secs(20 * 60),
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: the same shape, millisecond delays.
    pub fn fast() -> Self {
        Self {
            base: Duration::from_millis(2),
            cap: Duration::from_millis(20),
            throttle_attempts: 30,
            unavailable_attempts: 6,
            propagation: Duration::from_secs(5),
            not_found_after_create: Duration::from_secs(5),
            in_use: Duration::from_secs(2),
        }
    }

    /// Full jitter: a random delay up to the exponential bound.
    pub fn delay(&self, attempt: u32, random: &dyn Random) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let bound = self
            .base
            .saturating_mul(1u32 << exponent)
            .min(self.cap)
            .max(self.base);
        bound.mul_f64(0.5 + random.unit() * 0.5)
    }
}

/// Requests per second and burst of one service.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Burst.
    pub burst: f64,
}

/// Client-side token buckets, one per service, below AWS's own limits so sakk never starts the
/// throttling it then has to wait out.
pub struct RateLimiter {
    rates: BTreeMap<&'static str, Rate>,
    default: Rate,
    buckets: Mutex<BTreeMap<&'static str, (f64, Instant)>>,
}

impl RateLimiter {
    /// Rates close to AWS's documented defaults.
    pub fn aws_defaults() -> Self {
        let mut rates = BTreeMap::new();
        rates.insert(
            "ec2",
            Rate {
                per_second: 20.0,
                burst: 50.0,
            },
        );
        rates.insert(
            "iam",
            Rate {
                per_second: 10.0,
                burst: 20.0,
            },
        );
        rates.insert(
            "eks",
            Rate {
                per_second: 10.0,
                burst: 20.0,
            },
        );
        rates.insert(
            "route53",
            Rate {
                per_second: 5.0,
                burst: 5.0,
            },
        );
        rates.insert(
            "kms",
            Rate {
                per_second: 20.0,
                burst: 20.0,
            },
        );
        Self::new(
            rates,
            Rate {
                per_second: 20.0,
                burst: 40.0,
            },
        )
    }

    /// No limit (tests that measure the executor alone).
    pub fn unlimited() -> Self {
        Self::new(
            BTreeMap::new(),
            Rate {
                per_second: f64::INFINITY,
                burst: f64::INFINITY,
            },
        )
    }

    /// Custom rates.
    pub fn new(rates: BTreeMap<&'static str, Rate>, default: Rate) -> Self {
        Self {
            rates,
            default,
            buckets: Mutex::new(BTreeMap::new()),
        }
    }

    /// Waits for a token of `service`.
    pub async fn acquire(&self, service: &'static str, clock: &dyn Clock) {
        let rate = self.rates.get(service).copied().unwrap_or(self.default);
        if rate.per_second.is_infinite() {
            return;
        }
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().await;
                let now = clock.now();
                let (tokens, last) = buckets.entry(service).or_insert((rate.burst, now));
                let refill = now.saturating_duration_since(*last).as_secs_f64() * rate.per_second;
                *tokens = (*tokens + refill).min(rate.burst);
                *last = now;
                if *tokens >= 1.0 {
                    *tokens -= 1.0;
                    None
                } else {
                    Some(Duration::from_secs_f64((1.0 - *tokens) / rate.per_second))
                }
            };
            match wait {
                None => return,
                Some(delay) => clock.sleep(delay).await,
            }
        }
    }
}

/// Reads, writes and retries made.
#[derive(Debug, Default)]
pub struct Counters {
    /// Read calls.
    pub reads: AtomicU64,
    /// Mutating calls.
    pub writes: AtomicU64,
    /// Retries after throttling.
    pub throttle_retries: AtomicU64,
    /// Other retries.
    pub other_retries: AtomicU64,
    /// Reads and writes made for each resource (calls of a step), by address.
    pub by_address: std::sync::Mutex<BTreeMap<String, (u64, u64)>>,
}

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Describe, List, Get.
    Read,
    /// Everything else.
    Write,
}

/// An eventual-consistency class a caller expects for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Nothing special.
    Nothing,
    /// IAM has not propagated a new role yet.
    IamPropagation,
    /// The resource was just created and is not visible everywhere yet.
    NotFoundAfterCreate,
    /// Something still uses the resource (deletes), or it is busy (updates).
    InUse,
}

/// Makes calls with the rate limit and the retry rules.
pub struct Caller {
    /// Retry rules.
    pub policy: RetryPolicy,
    /// Token buckets.
    pub limiter: RateLimiter,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Jitter.
    pub random: Arc<dyn Random>,
    /// Where retries are reported.
    pub events: Arc<dyn Events>,
    /// What was done.
    pub counters: Counters,
}

impl Caller {
    /// Calls `operation` of `service`, retrying what its class allows.
    pub async fn call<T, F, Fut>(
        &self,
        address: Option<&Address>,
        service: &'static str,
        operation: &'static str,
        access: Access,
        expect: Expect,
        mut call: F,
    ) -> CloudResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = CloudResult<T>>,
    {
        let started = self.clock.now();
        let mut attempt = 1u32;
        loop {
            self.limiter.acquire(service, self.clock.as_ref()).await;
            match access {
                Access::Read => self.counters.reads.fetch_add(1, Ordering::Relaxed),
                Access::Write => self.counters.writes.fetch_add(1, Ordering::Relaxed),
            };
            if let Some(address) = address
                && let Ok(mut by_address) = self.counters.by_address.lock()
            {
                let entry = by_address.entry(address.to_string()).or_default();
                match access {
                    Access::Read => entry.0 += 1,
                    Access::Write => entry.1 += 1,
                }
            }
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let elapsed = self.clock.now().saturating_duration_since(started);
            let reason = match self.retry_reason(&error, access, expect, attempt, elapsed) {
                Some(reason) => reason,
                None => return Err(error),
            };
            let delay = self.policy.delay(attempt, self.random.as_ref());
            if error.kind == ErrorKind::Throttled {
                self.counters
                    .throttle_retries
                    .fetch_add(1, Ordering::Relaxed);
            } else {
                self.counters.other_retries.fetch_add(1, Ordering::Relaxed);
            }
            attempt += 1;
            self.events.emit(Event::Retrying {
                address: address.cloned(),
                call: format!("{service} {operation}"),
                reason: reason.to_owned(),
                attempt,
                delay,
            });
            self.clock.sleep(delay).await;
        }
    }

    fn retry_reason(
        &self,
        error: &CloudError,
        access: Access,
        expect: Expect,
        attempt: u32,
        elapsed: Duration,
    ) -> Option<&'static str> {
        let policy = &self.policy;
        match error.kind {
            ErrorKind::Throttled if attempt < policy.throttle_attempts => Some("throttled"),
            ErrorKind::Unavailable
                if access == Access::Read && attempt < policy.unavailable_attempts =>
            {
                Some("service unavailable")
            }
            _ => match expect {
                Expect::IamPropagation
                    if error.is_iam_propagation() && elapsed < policy.propagation =>
                {
                    Some("IAM propagation")
                }
                Expect::NotFoundAfterCreate
                    if error.kind == ErrorKind::NotFound
                        && elapsed < policy.not_found_after_create =>
                {
                    Some("not visible yet after create")
                }
                Expect::InUse
                    if matches!(
                        error.kind,
                        ErrorKind::InUse | ErrorKind::DependencyViolation
                    ) && elapsed < policy.in_use =>
                {
                    Some("in use")
                }
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Rng, SystemClock};
    use crate::events::Collect;
    use std::sync::atomic::AtomicU32;

    fn caller() -> (Caller, Arc<Collect>) {
        let events = Arc::new(Collect::default());
        (
            Caller {
                policy: RetryPolicy::fast(),
                limiter: RateLimiter::unlimited(),
                clock: Arc::new(SystemClock),
                random: Arc::new(Rng::seeded(7)),
                events: events.clone(),
                counters: Counters::default(),
            },
            events,
        )
    }

    fn error(kind: ErrorKind) -> CloudError {
        CloudError::new("ec2", "CreateVpc", kind, "Code", "message")
    }

    #[tokio::test]
    async fn throttling_is_retried_and_unknown_errors_fail_fast() {
        let (caller, events) = caller();
        let count = AtomicU32::new(0);
        let result = caller
            .call(
                None,
                "ec2",
                "DescribeVpcs",
                Access::Read,
                Expect::Nothing,
                || {
                    let attempt = count.fetch_add(1, Ordering::SeqCst);
                    async move {
                        if attempt < 3 {
                            Err(error(ErrorKind::Throttled))
                        } else {
                            Ok(attempt)
                        }
                    }
                },
            )
            .await;
        assert_eq!(result, Ok(3));
        assert_eq!(caller.counters.throttle_retries.load(Ordering::SeqCst), 3);
        assert_eq!(events.events().len(), 3);

        let count = AtomicU32::new(0);
        let result: CloudResult<()> = caller
            .call(
                None,
                "ec2",
                "CreateVpc",
                Access::Write,
                Expect::Nothing,
                || {
                    count.fetch_add(1, Ordering::SeqCst);
                    async { Err(error(ErrorKind::Invalid)) }
                },
            )
            .await;
        assert!(result.is_err());
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_write_whose_answer_was_lost_is_not_repeated_blindly() {
        let (caller, _) = caller();
        let count = AtomicU32::new(0);
        let result: CloudResult<()> = caller
            .call(
                None,
                "ec2",
                "CreateVpc",
                Access::Write,
                Expect::Nothing,
                || {
                    count.fetch_add(1, Ordering::SeqCst);
                    async { Err(error(ErrorKind::Unavailable)) }
                },
            )
            .await;
        assert!(result.is_err());
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn named_classes_are_retried_only_when_expected() {
        let (caller, _) = caller();
        let count = AtomicU32::new(0);
        let result = caller
            .call(
                None,
                "ec2",
                "ModifyVpcAttribute",
                Access::Write,
                Expect::NotFoundAfterCreate,
                || {
                    let attempt = count.fetch_add(1, Ordering::SeqCst);
                    async move {
                        if attempt < 2 {
                            Err(error(ErrorKind::NotFound))
                        } else {
                            Ok(())
                        }
                    }
                },
            )
            .await;
        assert_eq!(result, Ok(()));
        let result: CloudResult<()> = caller
            .call(
                None,
                "ec2",
                "ModifyVpcAttribute",
                Access::Write,
                Expect::Nothing,
                || async { Err(error(ErrorKind::NotFound)) },
            )
            .await;
        assert!(result.is_err());
    }

    #[test]
    fn delays_grow_and_stay_capped() {
        let policy = RetryPolicy::default();
        let random = Rng::seeded(1);
        assert!(policy.delay(1, &random) <= Duration::from_millis(500));
        assert!(policy.delay(30, &random) <= Duration::from_secs(20));
        assert!(policy.delay(30, &random) >= Duration::from_secs(10));
    }
}
