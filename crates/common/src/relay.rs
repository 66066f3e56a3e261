//! The outbox relay: publishes committed events in write order.
//!
//! It wakes on every commit that wrote events, and polls every second anyway
//! (an event committed by another replica, or left by a crash, is found).
//! A batch is sent in write order on one connection (so the stream stores it
//! in that order, whatever the subject) with every PubAck in flight at once,
//! then the acks are awaited in order and the acknowledged prefix is marked
//! sent in one store call. From the first event without an ack on, the rest
//! stays pending and is sent again, in order: copies the server already
//! stored are dropped by the stream's duplicate window, as after a crash
//! between publish and mark. While NATS is down it backs off and keeps the
//! events.
//!
//! Each publish is a span, `publish <subject>`, continuing the trace stored
//! with the event (contract 8, Traces), from the send to its PubAck; the bus puts its
//! context in the message's `traceparent` header.

use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use async_nats::HeaderMap;

use crate::{
    backoff::DEPENDENCY,
    bus::Bus,
    metrics::Metrics,
    store::{PendingEvent, Store},
    telemetry::trace,
};

/// Events read from the outbox, and in flight to NATS, per round trip.
const BATCH: usize = 256;
/// Poll interval when nothing wakes the relay (contract 4.2).
const POLL: Duration = Duration::from_secs(1);

/// Relays until `shutdown`; the batch in hand is finished first.
pub async fn run(store: Store, bus: Bus, metrics: Metrics, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut failures = 0u32;
    loop {
        let wait = if store.is_prepared() && bus.is_ready() {
            match relay_pending(&store, &bus, &metrics).await {
                Ok(_) => {
                    failures = 0;
                    POLL
                }
                Err(error) => {
                    failures += 1;
                    tracing::warn!(
                        error = format!("{error:#}"),
                        attempt = failures,
                        "outbox relay failed; backing off"
                    );
                    DEPENDENCY.delay(failures)
                }
            }
        } else {
            Duration::from_millis(200)
        };
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = store.committed(), if failures == 0 => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Publishes everything pending, in write order; returns how many were sent.
/// Exposed so tests (and tools) can drain the outbox deterministically.
pub async fn relay_pending(store: &Store, bus: &Bus, metrics: &Metrics) -> anyhow::Result<usize> {
    let mut sent_total = 0;
    let outcome: anyhow::Result<()> = async {
        loop {
            let batch = store.pending_events(BATCH).await?;
            if batch.is_empty() {
                return Ok(());
            }
            let (acknowledged, failure) = publish_batch(bus, &batch).await;
            store.mark_sent(&batch[..acknowledged]).await?;
            sent_total += acknowledged;
            if let Some(error) = failure {
                return Err(error);
            }
        }
    }
    .await;
    if let Ok(pending) = store.pending_count().await {
        metrics.set_outbox_pending(pending);
    }
    outcome.map(|()| sent_total)
}

/// Sends the whole batch, then awaits the acks in order: how long the
/// acknowledged prefix is, and the error that ended it, if one did.
async fn publish_batch(bus: &Bus, batch: &[PendingEvent]) -> (usize, Option<anyhow::Error>) {
    let mut acks = Vec::with_capacity(batch.len());
    let mut failure = None;
    for pending in batch {
        let event = &pending.event;
        let span = tracing::info_span!(
            parent: None,
            "publish",
            otel.name = format!("publish {}", event.subject),
            otel.kind = "producer",
            subject = %event.subject,
            trace_id = tracing::field::Empty,
        );
        trace::continue_trace(&span, event.traceparent.as_deref());
        let payload = Bytes::from(event.payload.clone());
        let sent =
            bus.send(&event.subject, &event.message_id, payload, HeaderMap::new()).instrument(span.clone()).await;
        match sent {
            // The span ends with its PubAck.
            Ok(ack) => acks.push(ack.instrument(span)),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    // Every ack is already on its way: awaiting them in turn costs about one
    // round trip for the batch.
    let mut acknowledged = 0;
    for ack in acks {
        if let Err(error) = ack.await {
            return (acknowledged, Some(error));
        }
        acknowledged += 1;
    }
    (acknowledged, failure)
}
