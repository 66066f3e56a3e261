//! Capturing published events.

use std::time::Duration;

use common::{bus::confirm_subscriptions, events::Event};
use futures::StreamExt as _;

/// A core NATS subscription made **before** the action under test, so every
/// event stored by JetStream on that subject is also seen here.
pub struct EventProbe {
    subscriber: async_nats::Subscriber,
}

impl EventProbe {
    /// Subscribes to `subject` (wildcards allowed) on `nats_url`, and returns
    /// once the server has the subscription (a flush alone does not say so:
    /// under load the probe then missed the event the test caused next).
    pub async fn subscribe(nats_url: &str, subject: &str) -> Self {
        let client = async_nats::connect(nats_url).await.expect("probe cannot connect to NATS");
        let subscriber = client.subscribe(subject.to_owned()).await.expect("probe cannot subscribe");
        confirm_subscriptions(&client, Duration::from_secs(30)).await.expect("the server has the probe's subscription");
        Self { subscriber }
    }

    /// The next message as `E`; panics after `timeout`.
    pub async fn next<E: Event>(&mut self, timeout: Duration) -> E {
        let message = self.next_raw(timeout).await.unwrap_or_else(|| panic!("no {} within {timeout:?}", E::SUBJECT));
        assert_eq!(message.subject.as_str(), E::SUBJECT, "unexpected subject");
        serde_json::from_slice(&message.payload).expect("event payload parses")
    }

    /// The next raw message, or `None` after `timeout`.
    pub async fn next_raw(&mut self, timeout: Duration) -> Option<async_nats::Message> {
        tokio::time::timeout(timeout, self.subscriber.next()).await.ok().flatten()
    }

    /// Every message arriving within `window` (used to assert "exactly one").
    pub async fn drain(&mut self, window: Duration) -> Vec<async_nats::Message> {
        let mut messages = Vec::new();
        let deadline = tokio::time::Instant::now() + window;
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.subscriber.next()).await {
            messages.push(message);
        }
        messages
    }
}
