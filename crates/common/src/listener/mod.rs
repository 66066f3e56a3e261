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
//! Fetched messages go to lanes by aggregate id (see `lanes`): each lane
//! runs its messages one after another, acknowledging each after its
//! handler, and the lanes run concurrently. Fetching goes on while the lanes
//! work, as long as a whole batch fits in hand (`fetch::Source`: at most the
//! consumer's `max_ack_pending`), so a backlog flows without a pause between
//! batches and one slow aggregate holds up only its own lane.

mod counts;
mod fetch;
mod lanes;
mod settle;

use std::{borrow::Cow, collections::HashMap, future::Future, pin::Pin, sync::Arc};

use async_nats::jetstream::{AckKind, Message};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::{
    bus::Bus,
    events::Event,
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

/// Lanes per listener. A message goes to its aggregate's lane (by a hash of
/// the id), so one aggregate's events run in stream order across fetches,
/// while up to this many aggregates run at once.
const LANES: usize = 64;
type Handler<S> = Box<dyn Fn(S, &[u8]) -> BoxFuture<anyhow::Result<Outcome>> + Send + Sync>;

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
        let Some(source) = fetch::source(&bus, self.durable, self.filter, &shutdown).await else { return Ok(()) };
        tracing::info!(filter = self.filter.unwrap_or(">"), "listening");
        for subject in self.handlers.keys().copied() {
            metrics.expect_consumed(subject);
        }
        let room = Semaphore::new(source.in_hand);
        let (feeds, queues): (Vec<_>, Vec<_>) = (0..LANES).map(|_| mpsc::unbounded_channel()).unzip();
        let lanes = futures::future::join_all(
            queues.into_iter().map(|queue| self.run_lane(&bus, &state, &metrics, &shutdown, &room, queue)),
        );
        let feeding = fetch::feed(&source, &bus, &readiness, &shutdown, &room, feeds);
        futures::future::join(feeding, lanes).await;
        tracing::info!("listener stopped");
        Ok(())
    }

    /// One lane's messages, in the order they were fetched, until the feed
    /// ends; after a shutdown, the ones still queued are handed back.
    async fn run_lane(
        &self,
        bus: &Bus,
        state: &S,
        metrics: &Metrics,
        shutdown: &CancellationToken,
        room: &Semaphore,
        mut queue: mpsc::UnboundedReceiver<Message>,
    ) {
        while let Some(message) = queue.recv().await {
            if shutdown.is_cancelled() {
                // Hand it straight back so another replica takes it now.
                let _ = message.ack_with(AckKind::Nak(None)).await;
            } else {
                self.process(bus, state, metrics, message).await;
            }
            room.add_permits(1);
        }
    }

    async fn process(&self, bus: &Bus, state: &S, metrics: &Metrics, message: Message) {
        let subject = match self.handlers.get_key_value(message.subject.as_str()) {
            Some((handled, _)) => Cow::Borrowed(*handled),
            None => Cow::Owned(message.subject.to_string()),
        };
        let delivery = Delivery::of(&message, subject, &self.counts);
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
