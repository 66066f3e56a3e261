//! Where a listener's messages come from: its durable pull consumer,
//! created once the stream exists, the batches fetched from it, and the
//! lane each message is queued on.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{
    Message,
    consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull},
};
use futures::StreamExt as _;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::lanes::lane_of;
use crate::{
    backoff::{DEPENDENCY, pause},
    bus::Bus,
    events::STREAM,
    readiness::Readiness,
};

/// Messages asked for per pull request: enough that a backlog's writes
/// share SQLite commits, and a fetch's round trip is paid per batch.
const BATCH: usize = 256;

/// Messages in hand at most (fetched and not yet settled), the consumer's
/// `max_ack_pending`: the listener asks for a batch only while one more fits,
/// so the next batch arrives while the lanes still work on this one, and the
/// server's limit never cuts a fetch short.
const IN_HAND: usize = 4 * BATCH;

/// How long one waiting pull request lasts while nothing is ready; a
/// shutdown does not wait for it.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// A listener's durable consumer, and how much it takes from it at once.
pub(super) struct Source {
    consumer: PullConsumer,
    /// Messages asked for per fetch.
    pub(super) batch: usize,
    /// Messages in hand at most.
    pub(super) in_hand: usize,
}

impl Source {
    /// [`BATCH`] and [`IN_HAND`], or less under a consumer whose own
    /// `max_ack_pending` is lower (created by an older version, or by an
    /// operator): the server refuses a fetch past it (409).
    fn of(consumer: PullConsumer) -> Self {
        let (batch, in_hand) = limits(consumer.cached_info().config.max_ack_pending);
        Self { consumer, batch, in_hand }
    }

    /// What the consumer has ready, up to `batch`, at once; when nothing
    /// is, one message as soon as it comes, or none after [`IDLE_WAIT`]. A
    /// fetch answers "no messages" at once, so asking again straight away
    /// kept every idle listener busy asking (and the server answering) in a
    /// tight loop: the CPU it took delayed a test's redeliveries by seconds
    /// on a loaded machine.
    pub(super) async fn next_batch(&self) -> anyhow::Result<Vec<Message>> {
        let ready = collect(self.consumer.fetch().max_messages(self.batch).messages().await?).await;
        if !ready.is_empty() {
            return Ok(ready);
        }
        Ok(collect(self.consumer.batch().max_messages(1).expires(IDLE_WAIT).messages().await?).await)
    }
}

/// (batch, in hand) under a consumer's `max_ack_pending` (-1: none).
fn limits(max_ack_pending: i64) -> (usize, usize) {
    let allowed = usize::try_from(max_ack_pending).ok().filter(|&n| n > 0);
    let in_hand = allowed.unwrap_or(IN_HAND).min(IN_HAND);
    ((in_hand / 4).clamp(1, BATCH), in_hand)
}

/// Creates the durable consumer if missing (retrying until the stream
/// exists); `None` when shut down first.
pub(super) async fn source(
    bus: &Bus,
    durable: &'static str,
    filter: Option<&'static str>,
    shutdown: &CancellationToken,
) -> Option<Source> {
    let mut attempts = 0;
    loop {
        if bus.is_ready() {
            match create_consumer(bus, durable, filter).await {
                Ok(consumer) => return Some(Source::of(consumer)),
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "cannot create consumer")
                }
            }
        }
        attempts += 1;
        if pause(DEPENDENCY.delay(attempts), shutdown).await {
            return None;
        }
    }
}

async fn create_consumer(
    bus: &Bus,
    durable: &'static str,
    filter: Option<&'static str>,
) -> anyhow::Result<PullConsumer> {
    let settings = bus.settings();
    let stream = bus.jetstream().get_stream(STREAM).await.context("stream lookup")?;
    let config = pull::Config {
        durable_name: Some(durable.to_owned()),
        filter_subject: filter.unwrap_or_default().to_owned(),
        deliver_policy: DeliverPolicy::All,
        ack_policy: AckPolicy::Explicit,
        ack_wait: settings.ack_wait,
        max_deliver: settings.max_deliver,
        max_ack_pending: IN_HAND as i64,
        ..Default::default()
    };
    stream.get_or_create_consumer(durable, config).await.context("consumer creation")
}

/// Fetches while the service is ready and a whole batch fits in hand, and
/// queues each message on its aggregate's lane; returns on shutdown, which
/// closes the lanes' queues.
pub(super) async fn feed(
    source: &Source,
    bus: &Bus,
    readiness: &Readiness,
    shutdown: &CancellationToken,
    room: &Semaphore,
    lanes: Vec<mpsc::UnboundedSender<Message>>,
) {
    let (mut failures, mut unkeyed) = (0u32, 0usize);
    while !shutdown.is_cancelled() {
        if !readiness.is_ready() || !bus.is_ready() {
            pause(Duration::from_millis(200), shutdown).await;
            continue;
        }
        // Never closed, so acquiring cannot fail; the lanes give the
        // permits back one by one as they settle messages.
        tokio::select! {
            () = shutdown.cancelled() => break,
            permits = room.acquire_many(source.batch as u32) => match permits {
                Ok(permits) => permits.forget(),
                Err(_) => break,
            },
        }
        let fetched = tokio::select! {
            () = shutdown.cancelled() => Ok(Vec::new()),
            fetched = source.next_batch() => fetched,
        };
        let messages = match fetched {
            Ok(messages) => messages,
            Err(error) => {
                room.add_permits(source.batch);
                failures += 1;
                tracing::warn!(error = %error, "cannot fetch messages");
                pause(DEPENDENCY.delay(failures), shutdown).await;
                continue;
            }
        };
        failures = 0;
        room.add_permits(source.batch - messages.len());
        for message in messages {
            let lane = lane_of(message.subject.as_str(), &message.payload, lanes.len()).unwrap_or_else(|| {
                unkeyed = unkeyed.wrapping_add(1);
                unkeyed % lanes.len()
            });
            // The lanes outlive this loop: sending cannot fail.
            let _ = lanes[lane].send(message);
        }
    }
}

async fn collect(mut batch: pull::Batch) -> Vec<Message> {
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        match message {
            Ok(message) => messages.push(message),
            Err(error) => tracing::warn!(error = %error, "broken delivery"),
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_max_ack_pending_takes_less_at_once() {
        assert_eq!(limits(IN_HAND as i64), (BATCH, IN_HAND));
        assert_eq!(limits(-1), (BATCH, IN_HAND));
        assert_eq!(limits(100_000), (BATCH, IN_HAND));
        // A consumer created with the old 256: four fetches of 64 fit.
        assert_eq!(limits(256), (64, 256));
        assert_eq!(limits(1), (1, 1));
    }
}
