//! Sign-in rate limits, kept in Redis so every replica counts together.
//!
//! Two limits (contract 3.1): per client address, at most
//! `AUTH_RATE_PER_MINUTE` signups and signins in each clock minute; per
//! email, after [`MAX_FAILURES`] failed signins in a window (15 minutes from
//! the first failure) every signin is refused, the right password too, until
//! the window passes. Both answer 429 with `Retry-After`.
//!
//! When Redis cannot be reached the limits fail open: the request goes on,
//! a warning is logged and `auth_rate_limit_unavailable_total` counts it.
//! Refusing every signin because a counter store is down would turn a
//! Redis outage into an auth outage. A failed connection is not retried
//! for a second, so an outage costs requests nothing but a log line.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use common::ApiError;
use prometheus_client::metrics::counter::Counter;
use redis::aio::MultiplexedConnection;

/// Failed signins per email per window before the lock-out.
pub const MAX_FAILURES: u64 = 10;
/// How long one Redis round trip may take before the limit fails open.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
/// How long to wait after a failed connection before trying again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The limits' settings.
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Redis, shared by every replica.
    pub redis_url: String,
    /// Signups and signins per client address per minute; 0 turns it off.
    pub per_minute: u64,
    /// The email lock-out window.
    pub lockout_window: Duration,
}

/// The limits. Cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    inner: Arc<Inner>,
}

struct Inner {
    settings: LimitSettings,
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    down_until: Mutex<Option<Instant>>,
    unavailable: Counter,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").field("per_minute", &self.inner.settings.per_minute).finish_non_exhaustive()
    }
}

impl RateLimits {
    /// Limits counted in `settings.redis_url` (connected lazily);
    /// `unavailable` counts the requests let through while Redis is down.
    pub fn new(settings: LimitSettings, unavailable: Counter) -> anyhow::Result<Self> {
        let client = redis::Client::open(settings.redis_url.as_str()).map_err(|error| {
            anyhow::anyhow!("invalid REDIS_URL {}: {error}", common::config::redact_url(&settings.redis_url))
        })?;
        let inner = Inner {
            settings,
            client,
            connection: tokio::sync::Mutex::new(None),
            down_until: Mutex::new(None),
            unavailable,
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Counts one signup or signin from `address`; 429 past the limit.
    pub async fn check_address(&self, address: &str) -> Result<(), ApiError> {
        let per_minute = self.inner.settings.per_minute;
        if per_minute == 0 {
            return Ok(());
        }
        let now = unix_seconds();
        let key = format!("auth:rate:addr:{address}:{}", now / 60);
        let mut pipe = redis::pipe();
        pipe.cmd("INCR").arg(&key).cmd("EXPIRE").arg(&key).arg(120).ignore();
        match self.query::<(u64,)>(&pipe).await {
            Some((count,)) if count > per_minute => Err(ApiError::TooManyAttempts { retry_after: 60 - now % 60 }),
            _ => Ok(()),
        }
    }

    /// 429 while `email` is locked out by failed signins.
    pub async fn check_email(&self, email: &str) -> Result<(), ApiError> {
        let key = failures_key(email);
        let mut pipe = redis::pipe();
        pipe.cmd("GET").arg(&key).cmd("PTTL").arg(&key);
        match self.query::<(Option<u64>, i64)>(&pipe).await {
            Some((Some(failures), ttl_ms)) if failures >= MAX_FAILURES => {
                let retry_after = u64::try_from(ttl_ms).unwrap_or(0).div_ceil(1000).max(1);
                Err(ApiError::TooManyAttempts { retry_after })
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed signin for `email`; the first failure opens the window.
    pub async fn record_failure(&self, email: &str) {
        let key = failures_key(email);
        let window_ms = u64::try_from(self.inner.settings.lockout_window.as_millis()).unwrap_or(u64::MAX);
        let mut pipe = redis::pipe();
        pipe.cmd("SET").arg(&key).arg(0).arg("PX").arg(window_ms).arg("NX").ignore().cmd("INCR").arg(&key).ignore();
        self.query::<()>(&pipe).await;
    }

    /// Runs `pipe`, or `None` (logged and counted) when Redis is unreachable.
    async fn query<T: redis::FromRedisValue>(&self, pipe: &redis::Pipeline) -> Option<T> {
        let result = match self.connection().await {
            Some(mut connection) => {
                match tokio::time::timeout(REDIS_TIMEOUT, pipe.query_async(&mut connection)).await {
                    Ok(Ok(value)) => return Some(value),
                    Ok(Err(error)) => error.to_string(),
                    Err(_) => "timed out".to_owned(),
                }
            }
            None => "not connected".to_owned(),
        };
        *self.inner.connection.lock().await = None;
        self.inner.unavailable.inc();
        tracing::warn!(error.message = %result, "rate-limit store unavailable; the request goes through unlimited");
        None
    }

    async fn connection(&self) -> Option<MultiplexedConnection> {
        let down_until = *self.inner.down_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if down_until.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let mut slot = self.inner.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Some(connection.clone());
        }
        match tokio::time::timeout(REDIS_TIMEOUT, self.inner.client.get_multiplexed_async_connection()).await {
            Ok(Ok(connection)) => {
                *slot = Some(connection.clone());
                Some(connection)
            }
            _ => {
                *self.inner.down_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(Instant::now() + RECONNECT_AFTER);
                None
            }
        }
    }
}

fn failures_key(email: &str) -> String {
    format!("auth:fail:{email}")
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}
