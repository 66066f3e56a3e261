//! Live updates over Server-Sent Events: a per-process hub fed from NATS and
//! the streams it serves (contract 3.5).
//!
//! Each process subscribes (plain NATS, no consumer) to the subjects whose
//! events change what it streams, turns each message into an [`Update`] and
//! broadcasts it to its open streams. Because the source is the bus, a change
//! committed by any replica reaches every replica's subscribers; the outbox
//! relay publishes only committed changes, so nothing uncommitted is shown.
//!
//! Memory is bounded: the broadcast keeps the last [`BUFFER`] updates, and a
//! stream that falls further behind (its client reads too slowly) ends
//! instead of queueing. Streams end cleanly when the service shuts down.

mod stream;

pub use bytes::Bytes;

use std::{future::Future, sync::Arc, time::Duration};

use futures::StreamExt as _;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::{
    backoff::{DEPENDENCY, pause},
    bus::Bus,
    id::ObjectId,
    metrics::Metrics,
};

/// Updates a stream may fall behind before it is ended.
pub const BUFFER: usize = 512;
/// How often an idle stream sends a comment, so proxies keep it open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long the server may take to echo the hub's subscriptions, and how
/// long a stream opened before that waits for them (then 503).
const CONFIRM: Duration = Duration::from_secs(5);

/// One change to stream: its JSON and who may see it.
#[derive(Debug, Clone)]
pub struct Update {
    /// `None`: every subscriber; `Some(user)`: only that user's streams.
    pub audience: Option<ObjectId>,
    /// The `data:` line, a JSON document.
    pub data: Arc<str>,
}

/// A hub: feeds from the bus, serves streams. Cheap to clone.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    event: &'static str,
    sender: broadcast::Sender<Update>,
    /// True once the server has the hub's subscriptions: a stream opened
    /// before that could miss a change committed after it opened.
    following: watch::Sender<bool>,
    closing: CancellationToken,
    connections: Gauge,
}

impl Live {
    /// A hub whose streams send `event: <event>`; its open streams are
    /// counted in `sse_connections` in `metrics`.
    pub fn new(event: &'static str, metrics: &Metrics) -> Self {
        let connections = metrics.gauge("sse_connections", "Open Server-Sent Events streams");
        let (sender, _) = broadcast::channel(BUFFER);
        let following = watch::Sender::new(false);
        Self { inner: Arc::new(Inner { event, sender, following, closing: CancellationToken::new(), connections }) }
    }

    /// Sends `update` to every open stream (nothing happens with none open).
    pub fn send(&self, update: Update) {
        let _ = self.inner.sender.send(update);
    }

    /// Ends every stream, now and from now on (shutdown).
    pub fn close(&self) {
        self.inner.closing.cancel();
    }

    /// Subscribes to `subjects` on `bus` and sends what `translate` makes
    /// of each message, until `shutdown`; then closes every stream.
    /// `translate` may wait (say, for the store to show the change): each
    /// message is translated on its own task, so one wait holds up nothing.
    pub async fn follow<F, Fut>(
        self,
        bus: Bus,
        subjects: &'static [&'static str],
        translate: F,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()>
    where
        F: Fn(String, Bytes) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Update>> + Send + 'static,
    {
        while !bus.is_connected() {
            if pause(Duration::from_millis(100), &shutdown).await {
                self.close();
                return Ok(());
            }
        }
        let mut messages = Vec::new();
        for subject in subjects {
            // The client re-subscribes by itself after a reconnect.
            messages.push(bus.client().subscribe(*subject).await?);
        }
        // Streams wait for this, so each one sees every change after it opened.
        let mut attempts = 0;
        while let Err(error) = bus.confirm_subscriptions(CONFIRM).await {
            attempts += 1;
            tracing::warn!(error = format!("{error:#}"), "live updates: subscriptions not confirmed yet");
            if pause(DEPENDENCY.delay(attempts), &shutdown).await {
                self.close();
                return Ok(());
            }
        }
        self.inner.following.send_replace(true);
        let mut messages = futures::stream::select_all(messages);
        let translate = Arc::new(translate);
        tracing::info!(subjects = ?subjects, "following for live updates");
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => break,
                message = messages.next() => message,
            };
            let Some(message) = message else { break };
            let (live, translate) = (self.clone(), Arc::clone(&translate));
            tokio::spawn(async move {
                if let Some(update) = translate(message.subject.to_string(), message.payload).await {
                    live.send(update);
                }
            });
        }
        self.close();
        Ok(())
    }
}
