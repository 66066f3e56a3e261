//! Watching what the service did: events it published (on a probe, or as
//! stored in the stream), deliveries its consumer decided (from `/metrics`),
//! and its outbox.

use serde_json::Value;
use test_support::{EventProbe, eventually};

use crate::helpers::{PATIENCE, TestApp};

impl TestApp {
    /// A core subscription on `subject`, made before acting. Waits for the
    /// outbox to empty first, so the probe sees only what comes after.
    pub(crate) async fn probe(&self, subject: &str) -> EventProbe {
        self.wait_for_outbox_to_empty().await;
        EventProbe::subscribe(&self.nats.url(), subject).await
    }

    /// Waits until the relay has published everything written so far.
    pub(crate) async fn wait_for_outbox_to_empty(&self) {
        eventually(PATIENCE, "the outbox is empty", || async {
            (self.store.pending_count().await.unwrap() == 0).then_some(())
        })
        .await;
    }

    /// Waits until the app's consumer has acked `count` deliveries of `subject`.
    pub(crate) async fn wait_for_acks(&self, subject: &str, count: u64) {
        eventually(PATIENCE, &format!("{count} {subject} acked"), || async {
            (self.consumed(subject, "ack").await >= count).then_some(())
        })
        .await;
    }

    /// How many deliveries of `subject` the app's consumer ended with
    /// `outcome` (`ack`, `retry`, `dead_letter`), from `/metrics`.
    pub(crate) async fn consumed(&self, subject: &str, outcome: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.api.base())).await.unwrap().text().await.unwrap();
        let series = format!("events_consumed_total{{subject=\"{subject}\",outcome=\"{outcome}\"}} ");
        text.lines().find_map(|line| line.strip_prefix(&series)).map_or(0, |n| n.trim().parse().unwrap())
    }

    /// Every message the stream holds on `subject`, as (message id, payload).
    pub(crate) async fn stored_events(&self, subject: &str) -> Vec<(String, Value)> {
        let mut stream = self.publisher.jetstream().get_stream("TICKETING").await.unwrap();
        let (first, last) = {
            let state = &stream.info().await.unwrap().state;
            (state.first_sequence, state.last_sequence)
        };
        let mut found = Vec::new();
        for sequence in first..=last {
            let Ok(message) = stream.get_raw_message(sequence).await else { continue };
            if message.subject.as_str() == subject {
                let id = message.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned()).unwrap_or_default();
                found.push((id, serde_json::from_slice(&message.payload).unwrap()));
            }
        }
        found
    }
}

/// The message id a probe saw on `message`.
pub(crate) fn message_id(message: &async_nats::Message) -> String {
    message.headers.as_ref().and_then(|h| h.get("Nats-Msg-Id")).map(|v| v.as_str().to_owned()).unwrap_or_default()
}

/// The next message on `probe` as (message id, JSON payload); panics after `PATIENCE`.
pub(crate) async fn next_event(probe: &mut EventProbe) -> (String, Value) {
    let message = probe.next_raw(PATIENCE).await.expect("an event within the patience");
    (message_id(&message), serde_json::from_slice(&message.payload).unwrap())
}
