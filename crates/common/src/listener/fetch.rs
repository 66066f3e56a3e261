//! Where a listener's messages come from: its durable pull consumer,
//! created once the stream exists, and the batches fetched from it.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{
    Message,
    consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull},
};
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;

use crate::{
    backoff::{DEPENDENCY, pause},
    bus::Bus,
    events::STREAM,
};

/// Messages asked for per pull request: enough that a backlog's writes
/// share SQLite commits, and a fetch's round trip is paid per batch.
pub(super) const BATCH: usize = 256;

/// Messages in hand at most (fetched and not yet settled), the consumer's
/// `max_ack_pending`: the listener asks for a batch only while one more fits,
/// so the next batch arrives while the lanes still work on this one, and the
/// server's limit never cuts a fetch short. (A consumer created by an older
/// version keeps its own limit: fetches then come back smaller.)
pub(super) const IN_HAND: usize = 4 * BATCH;

/// How long one waiting pull request lasts while nothing is ready; a
/// shutdown does not wait for it.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// Creates the durable consumer if missing (retrying until the stream
/// exists); `None` when shut down first.
pub(super) async fn consumer(
    bus: &Bus,
    durable: &'static str,
    filter: Option<&'static str>,
    shutdown: &CancellationToken,
) -> Option<PullConsumer> {
    let mut attempts = 0;
    loop {
        if bus.is_ready() {
            match create_consumer(bus, durable, filter).await {
                Ok(consumer) => return Some(consumer),
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

/// What the consumer has ready, up to [`BATCH`], at once; when nothing is,
/// one message as soon as it comes, or none after [`IDLE_WAIT`]. A fetch
/// answers "no messages" at once, so asking again straight away kept every
/// idle listener busy asking (and the server answering) in a tight loop: the
/// CPU it took delayed a test's redeliveries by seconds on a loaded machine.
pub(super) async fn next_batch(consumer: &PullConsumer) -> anyhow::Result<Vec<Message>> {
    let ready = collect(consumer.fetch().max_messages(BATCH).messages().await?).await;
    if !ready.is_empty() {
        return Ok(ready);
    }
    Ok(collect(consumer.batch().max_messages(1).expires(IDLE_WAIT).messages().await?).await)
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
