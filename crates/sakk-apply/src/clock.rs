//! Time and randomness, injected: tests run waits in milliseconds and jitter deterministically.

use async_trait::async_trait;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock that can sleep.
#[async_trait]
pub trait Clock: Send + Sync {
    /// A monotonic instant.
    fn now(&self) -> Instant;
    /// Seconds since the Unix epoch (for the journal and locks).
    fn unix_seconds(&self) -> u64;
    /// Waits.
    async fn sleep(&self, duration: Duration);
}

/// The system clock and tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn unix_seconds(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|duration| duration.as_secs())
            .unwrap_or(0)
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A source of randomness for jitter and lineages.
pub trait Random: Send + Sync {
    /// A number in `[0, 1)`.
    fn unit(&self) -> f64;
    /// A random hexadecimal string of `length` characters.
    fn hex(&self, length: usize) -> String {
        (0..length)
            .map(|_| {
                let digit = (self.unit() * 16.0) as u32;
                char::from_digit(digit.min(15), 16).unwrap_or('0')
            })
            .collect()
    }
}

/// A pseudo-random generator, seeded from the OS or from a fixed seed in tests.
#[derive(Debug)]
pub struct Rng(Mutex<fastrand::Rng>);

impl Rng {
    /// Seeded by the OS.
    pub fn new() -> Self {
        Self(Mutex::new(fastrand::Rng::new()))
    }

    /// Seeded, for reproducible runs.
    pub fn seeded(seed: u64) -> Self {
        Self(Mutex::new(fastrand::Rng::with_seed(seed)))
    }
}

impl Default for Rng {
    fn default() -> Self {
        Self::new()
    }
}

impl Random for Rng {
    fn unit(&self) -> f64 {
        match self.0.lock() {
            Ok(mut rng) => rng.f64(),
            Err(poisoned) => poisoned.into_inner().f64(),
        }
    }
}
