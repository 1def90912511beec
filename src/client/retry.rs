//! When a request is tried again, and after how long: exponential back-off with jitter, on the
//! failures that may go away (the connection, 5xx, 408, 429). Every request the client makes
//! is idempotent on the server (a report is stored once by its id; a baseline PUT replaces),
//! so sending one again after a lost answer is safe.

use std::time::Duration;

use crate::stats::SplitMix64;

/// The default number of retries after the first attempt: 5 attempts, waiting about 0.5, 1,
/// 2 and 4 seconds in between.
pub const DEFAULT_RETRIES: u32 = 4;

/// The first wait; each next one doubles.
const FIRST_WAIT: Duration = Duration::from_millis(500);

/// The longest a server's `Retry-After` is honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How often and how patiently a request is tried.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Tries after the first one.
    pub retries: u32,
    /// The wait before the first retry; doubled before each next one.
    pub first_wait: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            retries: DEFAULT_RETRIES,
            first_wait: FIRST_WAIT,
        }
    }
}

impl Backoff {
    pub fn with_retries(retries: u32) -> Self {
        Backoff {
            retries,
            ..Backoff::default()
        }
    }

    /// All attempts, the first one included.
    pub fn attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }

    /// The wait after failed attempt `attempt` (0-based): `first_wait * 2^attempt`, of which
    /// the second half is random (`jitter` in [0, 1)), so that runners that failed together do
    /// not all come back at the same instant. A server's `Retry-After` (capped at 30 s) is
    /// waited for when it asks for longer.
    pub fn wait(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let full = self
            .first_wait
            .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX));
        let wait = full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(asked) => wait.max(asked.min(MAX_RETRY_AFTER)),
            None => wait,
        }
    }
}

/// Whether an HTTP status is worth another try: server errors, request time-out, too many
/// requests. Any other status is the server's final word.
pub fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// Jitter in [0, 1), from a generator seeded by the clock and the process id: runners that
/// start together still draw differently.
pub struct Jitter(SplitMix64);

impl Jitter {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Jitter(SplitMix64::new(
            nanos ^ (u64::from(std::process::id()) << 32),
        ))
    }

    pub fn draw(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_only_their_second_half_is_random() {
        let b = Backoff::default();
        assert_eq!(b.attempts(), 5);
        let lows: Vec<f64> = (0..4).map(|a| b.wait(a, 0.0, None).as_secs_f64()).collect();
        assert_eq!(lows, [0.25, 0.5, 1.0, 2.0]);
        let highs: Vec<f64> = (0..4)
            .map(|a| b.wait(a, 0.999_999, None).as_secs_f64())
            .collect();
        for (h, full) in highs.iter().zip([0.5, 1.0, 2.0, 4.0]) {
            assert!(*h < full && *h > full * 0.99, "{highs:?}");
        }
        // A huge attempt number saturates instead of overflowing.
        assert!(b.wait(1000, 0.5, None) > Duration::from_secs(3600));
    }

    #[test]
    fn retry_after_is_honoured_when_longer_and_capped() {
        let b = Backoff::default();
        let asked = Some(Duration::from_secs(3));
        assert_eq!(b.wait(0, 0.0, asked), Duration::from_secs(3));
        assert_eq!(
            b.wait(0, 0.0, Some(Duration::from_millis(1))),
            b.wait(0, 0.0, None)
        );
        assert_eq!(
            b.wait(0, 0.0, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn which_statuses_are_tried_again() {
        for s in [500, 502, 503, 504, 408, 429] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 201, 204, 400, 401, 403, 404, 409, 413, 422] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn jitter_is_in_the_unit_interval_and_varies() {
        let mut j = Jitter::new();
        let draws: Vec<f64> = (0..100).map(|_| j.draw()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(draws.windows(2).any(|w| w[0] != w[1]));
    }
}
