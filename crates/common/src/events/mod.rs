//! The seven events services exchange, their subjects, and their JSON.
//!
//! This module is the only place event contracts are defined. Payloads keep
//! the original's field names; subjects use dots (`ticket.created`) instead of
//! the original's colons so JetStream wildcards work. Consumers ignore
//! unknown fields, so a producer may add fields without breaking anyone.

mod payloads;

pub use payloads::{
    ExpirationComplete, OrderCancelled, OrderCreated, OrderStatus, OrderTicketRef, OrderTicketSnapshot, PaymentCreated,
    PaymentRefunded, TicketCreated, TicketStatus, TicketUpdated,
};

use serde::{Serialize, de::DeserializeOwned};

/// The stream that captures every event subject.
pub const STREAM: &str = "TICKETING";
/// Subjects the [`STREAM`] captures.
pub const STREAM_SUBJECTS: [&str; 4] = ["ticket.>", "order.>", "expiration.>", "payment.>"];
/// The stream that keeps dead letters.
pub const DLQ_STREAM: &str = "TICKETING_DLQ";
/// Subjects the [`DLQ_STREAM`] captures.
pub const DLQ_SUBJECTS: [&str; 1] = ["dlq.>"];

/// Headers a dead letter carries (contract 4.3): where it was first
/// published, its sequence there, how often it was delivered, and why the
/// listener gave up. Written by the listener, read by `dead-letters`.
pub mod dlq_headers {
    /// The subject the event was first published on.
    pub const ORIGINAL_SUBJECT: &str = "Ticketing-Original-Subject";
    /// Its sequence in the `TICKETING` stream.
    pub const STREAM_SEQUENCE: &str = "Ticketing-Stream-Sequence";
    /// Deliveries before it was parked.
    pub const DELIVERIES: &str = "Ticketing-Deliveries";
    /// Why the listener gave up.
    pub const ERROR: &str = "Ticketing-Error";
}

/// An event payload tied to its subject.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The NATS subject, e.g. `ticket.created`.
    const SUBJECT: &'static str;

    /// The `Nats-Msg-Id` that identifies this fact, so a re-publish inside
    /// the stream's duplicate window is dropped by the server.
    fn message_id(&self) -> String;
}

/// An event ready to be written to the outbox and later published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Subject to publish on.
    pub subject: String,
    /// `Nats-Msg-Id` for server-side dedupe.
    pub message_id: String,
    /// The JSON payload.
    pub payload: String,
    /// The W3C trace context of the change that caused it (contract 8, Traces),
    /// kept with it in the outbox so its publish continues the trace.
    pub traceparent: Option<String>,
}

impl Outgoing {
    /// Serializes `event` with its subject and message id, in the trace of
    /// the current span (none when traces are off).
    pub fn of<E: Event>(event: &E) -> Self {
        Self {
            subject: E::SUBJECT.to_owned(),
            message_id: event.message_id(),
            payload: serde_json::to_string(event).expect("event payloads always serialize"),
            traceparent: crate::telemetry::trace::current_traceparent(),
        }
    }
}

#[cfg(test)]
mod tests;
