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

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use anyhow::Context as _;
use async_nats::{
    HeaderMap,
    jetstream::{
        AckKind, Message,
        consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull},
    },
};
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::Bus;
use crate::{
    events::{Event, STREAM},
    http::{
        metrics::{ConsumeOutcome, Metrics},
        readiness::Readiness,
    },
    timestamp::Timestamp,
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

/// Messages fetched per pull request.
const BATCH: usize = 16;

/// A durable pull consumer and the handlers for the subjects it receives.
pub struct Listener<S> {
    durable: &'static str,
    filter: Option<&'static str>,
    handlers: HashMap<&'static str, Handler<S>>,
}

impl<S: Clone + Send + Sync + 'static> Listener<S> {
    /// A consumer named `durable`, filtered on `filter` (one subject or
    /// wildcard; NATS 2.9 honours only one), or unfiltered with `None`.
    pub fn new(durable: &'static str, filter: Option<&'static str>) -> Self {
        Self { durable, filter, handlers: HashMap::new() }
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

    /// Consumes until `shutdown`, finishing the message in hand. Fetching
    /// pauses while `readiness` says the service is not ready.
    pub async fn run(
        self,
        bus: Bus,
        state: S,
        readiness: Readiness,
        metrics: Metrics,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let Some(consumer) = self.consumer(&bus, &shutdown).await else { return Ok(()) };
        tracing::info!(durable = self.durable, filter = self.filter.unwrap_or(">"), "listening");
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            if !readiness.is_ready() || !bus.is_ready() {
                pause(Duration::from_millis(200), &shutdown).await;
                continue;
            }
            let fetched = tokio::select! {
                () = shutdown.cancelled() => break,
                fetched = consumer.fetch().max_messages(BATCH).expires(Duration::from_secs(1)).messages() => fetched,
            };
            let mut batch = match fetched {
                Ok(batch) => batch,
                Err(error) => {
                    failures += 1;
                    tracing::warn!(durable = self.durable, error = %error, "cannot fetch messages");
                    pause(backoff(failures), &shutdown).await;
                    continue;
                }
            };
            failures = 0;
            while let Some(message) = batch.next().await {
                match message {
                    Ok(message) if shutdown.is_cancelled() => {
                        // Hand it straight back so another replica takes it now.
                        let _ = message.ack_with(AckKind::Nak(None)).await;
                    }
                    Ok(message) => self.process(&bus, &state, &metrics, message).await,
                    Err(error) => tracing::warn!(durable = self.durable, error = %error, "broken delivery"),
                }
            }
        }
        tracing::info!(durable = self.durable, "listener stopped");
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
                        tracing::warn!(durable = self.durable, error = format!("{error:#}"), "cannot create consumer")
                    }
                }
            }
            attempts += 1;
            if pause(backoff(attempts), shutdown).await {
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

    async fn process(&self, bus: &Bus, state: &S, metrics: &Metrics, message: Message) {
        let (stream_sequence, deliveries) = match message.info() {
            Ok(info) => (info.stream_sequence, info.delivered),
            Err(_) => (0, 1),
        };
        let subject = message.subject.to_string();
        let span = tracing::info_span!("event", subject = %subject, stream_sequence, deliveries);
        async {
            let decision = self.decide(state.clone(), &subject, &message.payload).await;
            let last_try = deliveries >= bus.settings().max_deliver;
            let result = match decision {
                Ok(Outcome::Done) => self.ack(&message, AckKind::Ack, metrics, ConsumeOutcome::Ack, &subject).await,
                Ok(Outcome::Reject(reason)) => {
                    self.dead_letter(bus, &message, stream_sequence, deliveries, &reason, metrics).await
                }
                Ok(_) | Err(_) if last_try => {
                    let reason = match &decision {
                        Err(error) => format!("still failing after {deliveries} deliveries: {error:#}"),
                        _ => format!("still not applicable after {deliveries} deliveries"),
                    };
                    self.dead_letter(bus, &message, stream_sequence, deliveries, &reason, metrics).await
                }
                Ok(Outcome::NotUntil(at)) => {
                    let delay = at.until().max(Duration::from_millis(20));
                    self.ack(&message, AckKind::Nak(Some(delay)), metrics, ConsumeOutcome::Retry, &subject).await
                }
                Ok(Outcome::NotYet) => {
                    self.ack(
                        &message,
                        AckKind::Nak(Some(nak_delay(deliveries))),
                        metrics,
                        ConsumeOutcome::Retry,
                        &subject,
                    )
                    .await
                }
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "handler failed; will retry");
                    self.ack(
                        &message,
                        AckKind::Nak(Some(nak_delay(deliveries))),
                        metrics,
                        ConsumeOutcome::Retry,
                        &subject,
                    )
                    .await
                }
            };
            if let Err(error) = result {
                tracing::warn!(error = format!("{error:#}"), "cannot acknowledge; the server will redeliver");
            }
        }
        .instrument(span)
        .await;
    }

    async fn ack(
        &self,
        message: &Message,
        kind: AckKind,
        metrics: &Metrics,
        outcome: ConsumeOutcome,
        subject: &str,
    ) -> anyhow::Result<()> {
        let label = match outcome {
            ConsumeOutcome::Ack => "ack",
            ConsumeOutcome::Retry => "retry",
            ConsumeOutcome::DeadLetter => "dead_letter",
        };
        message.ack_with(kind).await.map_err(|error| anyhow::anyhow!("{error}"))?;
        metrics.consumed(subject, outcome);
        tracing::info!(outcome = label, "event consumed");
        Ok(())
    }

    /// Copies the message to `dlq.<durable>.<subject>` and terminates it. If
    /// the copy cannot be stored the message is nak'ed instead, never lost.
    async fn dead_letter(
        &self,
        bus: &Bus,
        message: &Message,
        stream_sequence: u64,
        deliveries: i64,
        reason: &str,
        metrics: &Metrics,
    ) -> anyhow::Result<()> {
        let subject = message.subject.as_str();
        let mut headers = HeaderMap::new();
        headers.insert("Ticketing-Original-Subject", subject);
        headers.insert("Ticketing-Stream-Sequence", stream_sequence.to_string().as_str());
        headers.insert("Ticketing-Deliveries", deliveries.to_string().as_str());
        headers.insert("Ticketing-Error", reason.replace(['\r', '\n'], " ").as_str());
        let dlq_subject = format!("dlq.{}.{subject}", self.durable);
        let message_id = format!("dlq:{}:{stream_sequence}", self.durable);
        if let Err(error) = bus.publish_with(&dlq_subject, &message_id, message.payload.clone(), headers).await {
            tracing::warn!(error = format!("{error:#}"), "cannot dead-letter; will retry");
            return self
                .ack(message, AckKind::Nak(Some(nak_delay(deliveries))), metrics, ConsumeOutcome::Retry, subject)
                .await;
        }
        tracing::error!(reason, dlq_subject = %dlq_subject, "event dead-lettered");
        self.ack(message, AckKind::Term, metrics, ConsumeOutcome::DeadLetter, subject).await
    }
}

/// Contract 4.3: min(0.25 s × 2^(n−1), 30 s) at delivery n.
pub fn nak_delay(deliveries: i64) -> Duration {
    let exponent = u32::try_from(deliveries.clamp(1, 20) - 1).unwrap_or(0);
    Duration::from_millis(250u64.saturating_mul(1 << exponent)).min(Duration::from_secs(30))
}

fn backoff(attempts: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << attempts.min(6))).min(Duration::from_secs(5))
}

/// Sleeps unless shut down first; returns whether shutdown came.
async fn pause(duration: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(duration) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nak_delays_double_from_a_quarter_second_up_to_thirty() {
        let delays: Vec<u128> = [1, 2, 3, 4, 8, 9, 20].iter().map(|n| nak_delay(*n).as_millis()).collect();
        assert_eq!(delays, vec![250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
    }
}
