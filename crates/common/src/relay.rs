//! The outbox relay: publishes committed events in write order.
//!
//! It wakes on every commit that wrote events, and polls every second anyway
//! (an event committed by another replica, or left by a crash, is found). Each
//! event is published with its message id and its PubAck awaited before it is
//! marked sent; a crash in between re-publishes it, and the stream's duplicate
//! window drops the copy. While NATS is down it backs off and keeps the events.

use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use crate::{backoff::DEPENDENCY, bus::Bus, metrics::Metrics, store::Store};

/// Events read from the outbox per round trip.
const BATCH: usize = 100;
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
            let mut sent = Vec::with_capacity(batch.len());
            for pending in batch {
                let event = &pending.event;
                let published =
                    bus.publish(&event.subject, &event.message_id, Bytes::from(event.payload.clone())).await;
                if let Err(error) = published {
                    // Keep what went out; the rest stays pending, in order.
                    store.mark_sent(&sent).await?;
                    sent_total += sent.len();
                    return Err(error);
                }
                sent.push(pending);
            }
            store.mark_sent(&sent).await?;
            sent_total += sent.len();
        }
    }
    .await;
    if let Ok(pending) = store.pending_count().await {
        metrics.set_outbox_pending(pending);
    }
    outcome.map(|()| sent_total)
}
