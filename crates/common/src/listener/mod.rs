//! One generic durable listener; services plug in plain handler functions.
//!
//! ```ignore
//! Listener::new("tickets-service", Some("order.>"))
//!     .on::<OrderCreated, _, _>(order_created::handle)
//!     .on::<OrderCancelled, _, _>(order_cancelled::handle)
//! ```
//!
//! Every delivery ends one of three ways (contract 4.3): **done** (ack),
//! **not yet** (nak with a growing delay, or until a known time), or **dead
//! letter** (the payload is unparseable, or the last allowed delivery still
//! failed): the original bytes are copied to `dlq.<durable>.<subject>` and
//! the message is terminated, instead of being redelivered forever.
//!
//! A fetched batch is split into lanes by aggregate id (see `lanes`): each
//! lane runs its messages one after another, acknowledging each after its
//! handler, and the lanes run concurrently.

mod counts;
mod lanes;
mod settle;

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use anyhow::Context as _;
use async_nats::jetstream::{
    AckKind, Message,
    consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull},
};
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::{
    backoff::{DEPENDENCY, pause},
    bus::Bus,
    events::{Event, STREAM},
    metrics::{ConsumeOutcome, Metrics},
    readiness::Readiness,
    telemetry::trace,
    timestamp::Timestamp,
};

pub use self::settle::nak_delay;
use self::{
    counts::DeliveryCounts,
    settle::{Delivery, Settlement},
};

/// What a handler decided about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Applied, a duplicate, or stale: ack.
    Done,
    /// A predecessor is missing: redeliver later with backoff.
    NotYet,
    /// Redeliver at (or just after) this instant.
    NotUntil(Timestamp),
    /// The payload is incomplete or inconsistent: dead-letter it now.
    Reject(String),
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Handler<S> = Box<dyn Fn(S, &[u8]) -> BoxFuture<anyhow::Result<Outcome>> + Send + Sync>;

/// Messages fetched per pull request (at most this many lanes at once): the
/// consumer's whole `max_ack_pending`, so a backlog drains in batches whose
/// writes share a SQLite commit. (It was 64 for a while, suspected of a
/// dead-letter test's timeouts that turned out to be the idle spin that
/// `next_batch` ends.)
const BATCH: usize = 256;

/// How long one waiting pull request lasts while nothing is ready; a
/// shutdown does not wait for it.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// A durable pull consumer and the handlers for the subjects it receives.
pub struct Listener<S> {
    durable: &'static str,
    filter: Option<&'static str>,
    handlers: HashMap<&'static str, Handler<S>>,
    counts: DeliveryCounts,
}

impl<S: Clone + Send + Sync + 'static> Listener<S> {
    /// A consumer named `durable`, filtered on `filter` (one subject or
    /// wildcard; NATS 2.9 honours only one), or unfiltered with `None`.
    pub fn new(durable: &'static str, filter: Option<&'static str>) -> Self {
        Self { durable, filter, handlers: HashMap::new(), counts: DeliveryCounts::default() }
    }

    /// Routes `E::SUBJECT` to `handler`. A payload that does not parse as `E`
    /// is dead-lettered without calling it; an `Err` from it means not yet.
    pub fn on<E, F, Fut>(mut self, handler: F) -> Self
    where
        E: Event,
        F: Fn(S, E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Outcome>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let boxed: Handler<S> = Box::new(move |state, payload| match serde_json::from_slice::<E>(payload) {
            Ok(event) => {
                let handler = Arc::clone(&handler);
                Box::pin(async move { handler(state, event).await })
            }
            Err(error) => {
                let reason = format!("unparseable {} payload: {error}", E::SUBJECT);
                Box::pin(async move { Ok(Outcome::Reject(reason)) })
            }
        });
        self.handlers.insert(E::SUBJECT, boxed);
        self
    }

    /// Decides one delivery without the broker: subjects with no handler are done.
    pub async fn decide(&self, state: S, subject: &str, payload: &[u8]) -> anyhow::Result<Outcome> {
        match self.handlers.get(subject) {
            Some(handler) => handler(state, payload).await,
            None => Ok(Outcome::Done),
        }
    }

    /// Consumes until `shutdown`, finishing the messages in hand. Fetching
    /// pauses while `readiness` says the service is not ready.
    #[tracing::instrument(name = "listener", skip_all, fields(durable = self.durable))]
    pub async fn run(
        self,
        bus: Bus,
        state: S,
        readiness: Readiness,
        metrics: Metrics,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let Some(consumer) = self.consumer(&bus, &shutdown).await else { return Ok(()) };
        tracing::info!(filter = self.filter.unwrap_or(">"), "listening");
        for subject in self.handlers.keys() {
            metrics.expect_consumed(subject);
        }
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            if !readiness.is_ready() || !bus.is_ready() {
                pause(Duration::from_millis(200), &shutdown).await;
                continue;
            }
            let fetched = tokio::select! {
                () = shutdown.cancelled() => break,
                fetched = next_batch(&consumer) => fetched,
            };
            let messages = match fetched {
                Ok(messages) => messages,
                Err(error) => {
                    failures += 1;
                    tracing::warn!(error = %error, "cannot fetch messages");
                    pause(DEPENDENCY.delay(failures), &shutdown).await;
                    continue;
                }
            };
            failures = 0;
            let lanes = lanes::into_lanes(messages, |m| lanes::lane_key(m.subject.as_str(), &m.payload));
            futures::future::join_all(
                lanes.into_iter().map(|lane| self.run_lane(&bus, &state, &metrics, &shutdown, lane)),
            )
            .await;
        }
        tracing::info!("listener stopped");
        Ok(())
    }

    /// Creates the durable consumer if missing (retrying until the stream
    /// exists); `None` when shut down first.
    async fn consumer(&self, bus: &Bus, shutdown: &CancellationToken) -> Option<PullConsumer> {
        let mut attempts = 0;
        loop {
            if bus.is_ready() {
                match self.create_consumer(bus).await {
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

    async fn create_consumer(&self, bus: &Bus) -> anyhow::Result<PullConsumer> {
        let settings = bus.settings();
        let stream = bus.jetstream().get_stream(STREAM).await.context("stream lookup")?;
        let config = pull::Config {
            durable_name: Some(self.durable.to_owned()),
            filter_subject: self.filter.unwrap_or_default().to_owned(),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::Explicit,
            ack_wait: settings.ack_wait,
            max_deliver: settings.max_deliver,
            max_ack_pending: 256,
            ..Default::default()
        };
        stream.get_or_create_consumer(self.durable, config).await.context("consumer creation")
    }

    /// One aggregate's messages, in stream order.
    async fn run_lane(
        &self,
        bus: &Bus,
        state: &S,
        metrics: &Metrics,
        shutdown: &CancellationToken,
        lane: Vec<Message>,
    ) {
        for message in lane {
            if shutdown.is_cancelled() {
                // Hand it straight back so another replica takes it now.
                let _ = message.ack_with(AckKind::Nak(None)).await;
            } else {
                self.process(bus, state, metrics, message).await;
            }
        }
    }

    async fn process(&self, bus: &Bus, state: &S, metrics: &Metrics, message: Message) {
        let delivery = Delivery::of(&message, &self.counts);
        // A root of its own, continuing the publisher's trace from the
        // message's `traceparent` header (contract 8, Traces), not the listener's.
        let span = tracing::info_span!(
            parent: None,
            "event",
            otel.name = format!("handle {}", message.subject),
            otel.kind = "consumer",
            durable = self.durable,
            subject = %message.subject,
            stream_sequence = delivery.stream_sequence,
            deliveries = delivery.count,
            trace_id = tracing::field::Empty,
        );
        let traceparent = message.headers.as_ref().and_then(|headers| headers.get(trace::TRACEPARENT));
        trace::continue_trace(&span, traceparent.map(async_nats::HeaderValue::as_str));
        async {
            let decision = self.decide(state.clone(), message.subject.as_str(), &message.payload).await;
            let settlement = Settlement::of(decision, delivery.count, bus.settings().max_deliver);
            match delivery.settle(self.durable, bus, settlement, metrics).await {
                Ok(ConsumeOutcome::Retry) => self.counts.naked(delivery.stream_sequence, delivery.count),
                Ok(_) => self.counts.settled(delivery.stream_sequence),
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "cannot acknowledge; the server will redeliver");
                }
            }
        }
        .instrument(span)
        .await;
    }
}

/// What the consumer has ready, up to [`BATCH`], at once; when nothing is,
/// one message as soon as it comes, or none after [`IDLE_WAIT`]. A fetch
/// answers "no messages" at once, so asking again straight away kept every
/// idle listener busy asking (and the server answering) in a tight loop: the
/// CPU it took delayed a test's redeliveries by seconds on a loaded machine.
async fn next_batch(consumer: &PullConsumer) -> anyhow::Result<Vec<Message>> {
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
