//! The one retry vocabulary: how long to wait after the n-th failure, and a
//! wait that a shutdown cuts short.
//!
//! Every loop that retries (a dependency's set-up, the NATS reconnects, the
//! outbox relay, a listener's fetches, a nak, expiration's publish) waits
//! `first × 2^(n−1)` after its n-th failure, capped; they differ only in
//! those two numbers.

use std::{future::Future, time::Duration};

use tokio_util::sync::CancellationToken;

/// Exponential backoff: `first` after the first failure, doubling, capped at `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
}

/// Reaching a dependency (a store, NATS, Redis, a JetStream fetch): 200 ms,
/// doubling up to 5 s (the contract's "backoff of up to 5 s").
pub const DEPENDENCY: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));

impl Backoff {
    /// Waits `first` after the first failure, never more than `cap`.
    pub const fn new(first: Duration, cap: Duration) -> Self {
        Self { first, cap }
    }

    /// The wait after `failures` failures in a row (0 counts as 1).
    pub fn delay(&self, failures: u32) -> Duration {
        // 2^20 × any first delay we use is far past any cap; the clamp only
        // keeps the shift from overflowing.
        let doublings = failures.saturating_sub(1).min(20);
        self.first.saturating_mul(1 << doublings).min(self.cap)
    }
}

/// Sleeps `duration` unless `shutdown` comes first; returns whether it did.
pub async fn pause(duration: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(duration) => false,
    }
}

/// Retries `attempt` with the [`DEPENDENCY`] backoff until it succeeds or
/// `shutdown` comes, one warning per failure naming the dependency and its
/// URL without credentials.
pub async fn retry_until_done<F, Fut, E>(dependency: &str, url: &str, shutdown: CancellationToken, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        // An attempt can block for its own timeout (a JetStream request while
        // NATS is down); shutdown must not wait for it.
        let outcome = tokio::select! {
            () = shutdown.cancelled() => return,
            outcome = attempt() => outcome,
        };
        match outcome {
            Ok(()) => {
                tracing::info!(dependency, url, "dependency ready");
                return;
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(dependency, url, attempt = failures, error = %error, "dependency not ready, retrying");
                if pause(DEPENDENCY.delay(failures), &shutdown).await {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_are_retried_from_200_ms_doubling_up_to_5_s() {
        let delays: Vec<u128> = [1, 2, 3, 5, 6, 7, 100].iter().map(|n| DEPENDENCY.delay(*n).as_millis()).collect();
        assert_eq!(delays, vec![200, 400, 800, 3200, 5000, 5000, 5000]);
    }

    #[test]
    fn the_first_failure_waits_the_first_delay() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));
        assert_eq!(backoff.delay(0), backoff.delay(1));
        assert_eq!(backoff.delay(1), Duration::from_millis(100));
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(30));
    }

    #[tokio::test]
    async fn a_pause_ends_early_on_shutdown() {
        let shutdown = CancellationToken::new();
        assert!(!pause(Duration::from_millis(1), &shutdown).await);
        shutdown.cancel();
        assert!(pause(Duration::from_secs(3600), &shutdown).await);
    }
}
