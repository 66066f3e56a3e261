//! The cleaner: removes finished jobs from Redis, so its memory follows the
//! orders in flight, not every order ever made.
//!
//! apalis-redis keeps what a finished job leaves behind: its id in the
//! `<queue>:done` set, its payload in the `<queue>:data` hash, a
//! `<queue>:meta:<id>` hash per job, and our per-order idempotency key
//! `<queue>:idempotency:<orderId>` (kept for days, see [`crate::queue`]).
//! Every [`EVERY`] this takes done jobs off the set and deletes those, in one
//! Lua script per batch, so a crash mid-way leaves either a whole job or
//! none; with several replicas each job is popped by exactly one of them.
//!
//! Dropping the idempotency key with its job is safe: an `order.created`
//! redelivered after the job ran schedules a new job, due at once, whose
//! `expiration.complete` orders ignores (the order is closed by then, or its
//! expiry is still due and retried at `expiresAt`). Dead jobs (apalis gave
//! up) are kept for an operator to look at; ours never give up (see
//! [`crate::job`]).

use std::time::Duration;

use apalis_redis::{Config, ConnectionManager};
use common::backoff::pause;
use tokio_util::sync::CancellationToken;

use crate::queue::Queue;

/// How often finished jobs are removed.
pub const EVERY: Duration = Duration::from_secs(5);
/// Jobs removed per script call (bounds how long Redis is busy with one).
const BATCH: usize = 200;

/// KEYS: the done set, the data hash, the meta prefix, the idempotency
/// prefix. ARGV: how many jobs at most. Returns how many it removed.
const REMOVE_DONE: &str = r"
local ids = redis.call('SPOP', KEYS[1], tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  local meta = KEYS[3] .. ':' .. id
  local key = redis.call('HGET', meta, 'idempotency_key')
  if key and #key > 0 then
    local claim = KEYS[4] .. ':' .. key
    if redis.call('GET', claim) == id then
      redis.call('DEL', claim)
    end
  end
  redis.call('HDEL', KEYS[2], id)
  redis.call('DEL', meta)
end
return #ids
";

/// Removes finished jobs every [`EVERY`] until `shutdown`; failures (Redis
/// away) are logged and retried at the next round.
pub async fn run(queue: Queue, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        if pause(EVERY, &shutdown).await {
            return Ok(());
        }
        let Some(mut connection) = queue.connection() else { continue };
        match remove_done(&mut connection, queue.config()).await {
            Ok(0) => {}
            Ok(removed) => tracing::debug!(removed, "finished expiration jobs removed"),
            Err(error) => tracing::warn!(%error, "cannot remove finished expiration jobs yet"),
        }
    }
}

/// Removes every job finished so far; returns how many.
pub async fn remove_done(connection: &mut ConnectionManager, config: &Config) -> redis::RedisResult<usize> {
    let mut total = 0;
    loop {
        let removed: usize = redis::cmd("EVAL")
            .arg(REMOVE_DONE)
            .arg(4)
            .arg(config.done_jobs_set())
            .arg(config.job_data_hash())
            .arg(config.job_meta_hash())
            .arg(config.idempotency_key_set())
            .arg(BATCH)
            .query_async(connection)
            .await?;
        total += removed;
        if removed < BATCH {
            return Ok(total);
        }
    }
}
