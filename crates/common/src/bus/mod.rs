//! The JetStream bus: connection, idempotent stream setup, and publishing.
//!
//! Services never publish from handlers: they write events to the store's
//! outbox and the [`relay`](crate::relay) calls [`Bus::publish`]. Each
//! publish carries a `Nats-Msg-Id` derived from the fact and waits for the
//! server's PubAck, so a re-publish inside the stream's duplicate window is
//! dropped by the server and nothing counts as sent until it is stored.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use async_nats::{
    ConnectOptions, HeaderMap, ServerAddr,
    connection::State,
    jetstream::{
        self, ErrorCode, context::GetStreamErrorKind, message::PublishMessage, stream::Config as StreamConfig,
    },
};
use bytes::Bytes;

mod echo;
mod streams;

use self::streams::is_stream_full;
pub use self::{
    echo::confirm_subscriptions,
    streams::{dead_letter_stream, ticketing_stream},
};
use crate::{
    backoff::DEPENDENCY,
    config::{NatsSettings, redact_url},
    metrics::Metrics,
    telemetry::trace::{TRACEPARENT, current_traceparent},
};

/// A NATS connection with JetStream. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    settings: NatsSettings,
    metrics: Metrics,
    prepared: AtomicBool,
}

impl Bus {
    /// Starts connecting in the background and returns at once: a service
    /// serves `/healthz` (and answers 503 on `/readyz`) while NATS is down.
    pub async fn connect(settings: &NatsSettings, name: &str, metrics: Metrics) -> anyhow::Result<Self> {
        let url = redact_url(&settings.url);
        let mut options = ConnectOptions::new()
            .name(name)
            // Replies (PubAcks, pulled messages) under a prefix of its own, so a
            // NATS user may be allowed its own inbox and not every other's.
            .custom_inbox_prefix(format!("_INBOX_{name}"))
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(2))
            .reconnect_delay_callback(move |attempts| {
                if attempts > 0 {
                    tracing::warn!(dependency = "nats", url = %url, attempt = attempts, "cannot reach NATS, retrying");
                }
                DEPENDENCY.delay(u32::try_from(attempts).unwrap_or(u32::MAX))
            });
        // async-nats ignores credentials in the URL, so pass them on.
        if let Ok(addr) = settings.url.parse::<ServerAddr>()
            && let (Some(user), Some(password)) = (addr.username(), addr.password())
        {
            options = options.user_and_password(user.to_owned(), password.to_owned());
        }
        let client = options
            .connect(settings.url.as_str())
            .await
            .with_context(|| format!("invalid NATS URL {}", redact_url(&settings.url)))?;
        let jetstream = jetstream::new(client.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                jetstream,
                settings: settings.clone(),
                metrics,
                prepared: AtomicBool::new(false),
            }),
        })
    }

    /// Creates any missing stream; an existing stream is used as it is, with
    /// a warning about differences. Idempotent, one attempt.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        // Fail fast rather than wait for a JetStream request to time out.
        if !self.is_connected() {
            anyhow::bail!("not connected to NATS");
        }
        self.ensure_stream(ticketing_stream(self.inner.settings.stream_max_bytes)).await?;
        self.ensure_stream(dead_letter_stream()).await?;
        self.inner.prepared.store(true, Ordering::Release);
        Ok(())
    }

    /// Whether streams exist and the connection is up.
    pub fn is_ready(&self) -> bool {
        self.inner.prepared.load(Ordering::Acquire) && self.is_connected()
    }

    /// Whether the client is connected right now.
    pub fn is_connected(&self) -> bool {
        self.inner.client.connection_state() == State::Connected
    }

    /// The URL without credentials, for logs.
    pub fn describe(&self) -> String {
        redact_url(&self.inner.settings.url)
    }

    /// The consumer settings this service was configured with.
    pub fn settings(&self) -> &NatsSettings {
        &self.inner.settings
    }

    /// The JetStream context, for consumers and tests.
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.inner.jetstream
    }

    /// The core client, for tests that subscribe.
    pub fn client(&self) -> &async_nats::Client {
        &self.inner.client
    }

    /// Publishes `payload` on `subject` with `message_id` and waits for the
    /// PubAck. Returns whether the server already had this message id.
    pub async fn publish(&self, subject: &str, message_id: &str, payload: Bytes) -> anyhow::Result<bool> {
        self.publish_with(subject, message_id, payload, HeaderMap::new()).await
    }

    /// [`Bus::publish`] with extra headers (used for dead letters).
    pub async fn publish_with(
        &self,
        subject: &str,
        message_id: &str,
        payload: Bytes,
        headers: HeaderMap,
    ) -> anyhow::Result<bool> {
        self.send(subject, message_id, payload, headers).await?.await
    }

    /// Sends without waiting for the PubAck; the returned future awaits it
    /// (and says whether the message id was a duplicate). Messages sent one
    /// after another on this connection are stored in that order, so a
    /// caller may send many, then await their acks.
    pub async fn send(
        &self,
        subject: &str,
        message_id: &str,
        payload: Bytes,
        headers: HeaderMap,
    ) -> anyhow::Result<impl Future<Output = anyhow::Result<bool>> + Send + 'static> {
        let mut headers = headers;
        // The publishing span's trace context (a relay's publish span, an
        // expiration job): the listener's span continues it (contract 8, Traces).
        if headers.get(TRACEPARENT).is_none()
            && let Some(traceparent) = current_traceparent()
        {
            headers.insert(TRACEPARENT, traceparent.as_str());
        }
        let message = PublishMessage::build().payload(payload).headers(headers).message_id(message_id);
        let pending = self
            .inner
            .jetstream
            .send_publish(subject.to_owned(), message)
            .await
            .with_context(|| format!("cannot publish {subject}"))?;
        let (metrics, subject) = (self.inner.metrics.clone(), subject.to_owned());
        Ok(async move {
            let ack = match pending.await {
                Ok(ack) => ack,
                Err(error) if is_stream_full(&error) => {
                    // Discard-new refused it: the caller keeps the event (the
                    // relay leaves it in the outbox and retries with backoff).
                    metrics.refused_stream_full(&subject);
                    tracing::warn!(
                        subject = %subject,
                        error = %error,
                        "stream is full (max_bytes); the event stays pending until space returns"
                    );
                    return Err(anyhow::Error::new(error).context(format!("stream full, {subject} refused")));
                }
                Err(error) => return Err(anyhow::Error::new(error).context(format!("no PubAck for {subject}"))),
            };
            if !ack.duplicate {
                metrics.published(&subject);
            }
            Ok(ack.duplicate)
        })
    }

    async fn ensure_stream(&self, wanted: StreamConfig) -> anyhow::Result<()> {
        let name = wanted.name.clone();
        match self.inner.jetstream.get_stream(&name).await {
            Ok(mut stream) => {
                let info = stream.info().await.with_context(|| format!("cannot read stream {name}"))?;
                let existing = &info.config;
                if existing.subjects != wanted.subjects
                    || existing.max_age != wanted.max_age
                    || existing.duplicate_window != wanted.duplicate_window
                    || existing.max_bytes != wanted.max_bytes
                    || existing.discard != wanted.discard
                {
                    tracing::warn!(
                        stream = %name,
                        existing_subjects = ?existing.subjects,
                        wanted_subjects = ?wanted.subjects,
                        existing_max_bytes = existing.max_bytes,
                        wanted_max_bytes = wanted.max_bytes,
                        "stream exists with different settings; using it as it is"
                    );
                }
                Ok(())
            }
            Err(error) if matches!(error.kind(), GetStreamErrorKind::JetStream(inner) if inner.error_code() == ErrorCode::STREAM_NOT_FOUND) =>
            {
                // A concurrent creator with the same config makes this a no-op.
                self.inner
                    .jetstream
                    .get_or_create_stream(wanted)
                    .await
                    .with_context(|| format!("cannot create stream {name}"))?;
                tracing::info!(stream = %name, "created stream");
                Ok(())
            }
            Err(error) => Err(error).with_context(|| format!("cannot look up stream {name}")),
        }
    }
}
