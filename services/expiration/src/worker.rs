//! The apalis worker: polls Redis every 100 ms, runs due jobs one after another (jobs promoted together are due within
//! the same second, so none waits long behind another),
//! and stops with the service (finishing or handing back the jobs in hand).

use std::time::Duration;

use apalis::prelude::{BackendExt as _, WorkerBuilder};
use apalis_redis::RedisStorage;
use common::backoff::{Backoff, pause};
use tokio_util::sync::CancellationToken;

use crate::{
    job::{self, ExpirationJob, JobContext},
    queue::Queue,
};

/// How often the worker looks for due jobs (contract 6: at least every 100 ms).
pub const POLL: Duration = Duration::from_millis(100);
/// Rebuilding a stopped worker: 100 ms doubling, capped at 5 s.
const RESTART: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));

/// `expiration-<hostname>-<pid>`: unique per process, as apalis requires.
pub fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("expiration-{host}-{}", std::process::id())
}

/// Runs the worker until `shutdown`, once Redis is connected.
///
/// apalis stops a worker on any backend error (Redis restarting, or a
/// restarted container coming back as PID 1 under the same name while its
/// old registration is still fresh). That must not take the service down:
/// the worker is rebuilt with backoff, and pending jobs wait in Redis.
pub async fn run(queue: Queue, context: JobContext, name: String, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut failures = 0u32;
    loop {
        let connection = loop {
            if let Some(connection) = queue.connection() {
                break connection;
            }
            if pause(POLL, &shutdown).await {
                return Ok(());
            }
        };
        let storage =
            RedisStorage::<ExpirationJob>::new(connection).with_config(queue.config().clone()).poll_with_interval(POLL);
        tracing::info!(worker = %name, "expiration worker starting");
        let worker = WorkerBuilder::new(name.clone()).backend(storage).data(context.clone()).build(job::run);
        let stopped = shutdown.clone();
        let outcome = worker
            .run_until(async move {
                stopped.cancelled().await;
                Ok::<(), std::io::Error>(())
            })
            .await;
        if shutdown.is_cancelled() {
            return Ok(());
        }
        failures += 1;
        let delay = RESTART.delay(failures);
        match outcome {
            Ok(()) => tracing::warn!(worker = %name, "expiration worker stopped; restarting"),
            Err(error) => {
                tracing::warn!(worker = %name, error = %error, ?delay, "expiration worker failed; restarting")
            }
        }
        if pause(delay, &shutdown).await {
            return Ok(());
        }
    }
}
