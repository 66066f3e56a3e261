//! Redis: the connection (made in the background, so the service starts and
//! answers `/readyz` 503 while Redis is down), and scheduling one job per order.
//!
//! **One job per order.** apalis-redis claims an idempotency key with `SETNX`
//! inside the same Lua script that stores and schedules the task, so a
//! redelivered or re-published `order.created` finds the order's key taken
//! and adds nothing — atomically, with no window between check and push. The
//! key lives for [`IDEMPOTENCY_TTL`], longer than the stream keeps events
//! (7 days), so no redelivery can outlive it. (An explicit TTL matters: with
//! none, apalis-redis expires the key at once and dedupe silently stops.)
//!
//! **Timing.** apalis-redis schedules by whole seconds and promotes a task
//! once the current second reaches its score. The score is `expiresAt` rounded
//! *down*, so the task is fetched up to a second early, never late, and the
//! job waits out the rest itself (the exact instant travels in the task's
//! metadata): it runs at `expiresAt`, not before, plus the 100 ms poll.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use apalis::prelude::{MetadataStore, TaskBuilder};
use apalis_redis::{Config, ConnectionManager};
use common::{id::ObjectId, timestamp::Timestamp};
use prometheus_client::metrics::counter::Counter;
use tokio::sync::OnceCell;

use crate::job::{DUE_AT, ExpirationJob, TRACE};

/// The apalis queue name (a Redis key prefix).
pub const QUEUE: &str = "ticketing:expiration";
/// How long an order's idempotency key is kept.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(8 * 24 * 3600);

/// The job queue in Redis. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    url: String,
    connection: OnceCell<ConnectionManager>,
    config: Config,
    scheduled: Counter,
}

impl Queue {
    /// A queue on `url` (checked now, connected later by [`Queue::connect`]).
    pub fn new(url: &str, config: Config, scheduled: Counter) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .with_context(|| format!("invalid REDIS_URL {}", common::config::redact_url(url)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                url: common::config::redact_url(url),
                connection: OnceCell::new(),
                config,
                scheduled,
            }),
        })
    }

    /// The settings every worker and producer of this queue shares.
    pub fn default_config() -> Config {
        Config::default()
            .queue(QUEUE)
            .idempotency_ttl(Some(IDEMPOTENCY_TTL))
            // A dead worker's in-flight jobs go back on the queue after 10 s.
            .heartbeat_interval(Duration::from_secs(5))
            .missed_heartbeats(2)
    }

    /// One connection attempt; the connection manager reconnects by itself after.
    pub async fn connect(&self) -> Result<(), redis::RedisError> {
        self.inner.connection.get_or_try_init(|| self.inner.client.get_connection_manager()).await.map(|_| ())
    }

    /// The connection, once made.
    pub fn connection(&self) -> Option<ConnectionManager> {
        self.inner.connection.get().cloned()
    }

    /// The queue settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The URL without credentials, for logs.
    pub fn describe(&self) -> &str {
        &self.inner.url
    }

    /// Readiness: connected, and answering `PING`.
    pub async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection().ok_or_else(|| "unreachable".to_owned())?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(|_| ())
            .map_err(|_| "unreachable".to_owned())
    }

    /// Schedules `order`'s job at `expires_at`, unless it already has one.
    /// Returns whether a new job was added.
    pub async fn schedule(&self, order: &ObjectId, expires_at: Timestamp) -> anyhow::Result<bool> {
        let mut connection = self.connection().context("Redis is not connected yet")?;
        let payload = serde_json::to_vec(&ExpirationJob { order_id: order.clone() })?;
        let mut metadata = MetadataStore::new();
        metadata.insert(DUE_AT, expires_at.unix_millis().to_string())?;
        // The listener's trace goes with the job, so its run continues it.
        if let Some(traceparent) = common::telemetry::trace::current_traceparent() {
            metadata.insert(TRACE, traceparent)?;
        }
        let run_at = u64::try_from(expires_at.unix_millis().div_euclid(1000)).unwrap_or(0);
        let task = TaskBuilder::new(payload)
            .idempotency_key(order.as_str())
            .run_at_timestamp(run_at)
            .with_metadata(metadata)
            .build();
        let (enqueued, scheduled) = apalis_redis::queries::push_tasks(&mut connection, &self.inner.config, &[task])
            .await
            .context("scheduling")?;
        let added = enqueued + scheduled > 0;
        if added {
            self.inner.scheduled.inc();
        }
        Ok(added)
    }
}
