//! Polling instead of sleeping.

use std::{future::Future, time::Duration};

/// Patience for asynchronous effects in a service's tests (event delivery,
/// readiness): long enough for a loaded CI machine, and only spent on failure.
pub const PATIENCE: Duration = Duration::from_secs(10);
/// How long to keep listening when asserting that nothing (more) is published.
pub const QUIET: Duration = Duration::from_millis(1500);

/// Polls `check` every 25 ms until it returns `Some`, and returns that value;
/// panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
