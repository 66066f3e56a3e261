//! Operating the dead-letter stream (`TICKETING_DLQ`): list what is parked
//! there and why, and replay a message to the subject it came from.
//!
//! A listener parks an event it can never apply on `dlq.<consumer>.<subject>`
//! with headers that say where it came from and why it failed (contract 4.3).
//! Once the cause is fixed (a deploy, a missing replica), replaying publishes
//! the payload again on its original subject under a new message id (the
//! original id is still in the stream's duplicate window or already
//! consumed), then deletes the dead letter. Every consumer of that subject
//! sees it again; they apply events idempotently (by version), so only the
//! one that failed acts on it.

use anyhow::{Context as _, bail};
use async_nats::jetstream::{self, stream::Stream};
use bytes::Bytes;
use common::events::{DLQ_STREAM, dlq_headers};

/// One parked message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its sequence in `TICKETING_DLQ`: what `replay` takes.
    pub sequence: u64,
    /// `dlq.<consumer>.<subject>`.
    pub subject: String,
    /// The subject it was first published on.
    pub original_subject: String,
    /// Why the listener gave up (`Ticketing-Error`).
    pub reason: String,
    /// Deliveries before it was parked.
    pub deliveries: String,
    /// The event as published.
    pub payload: Bytes,
}

/// The dead-letter stream on the NATS at `url`.
pub struct DeadLetters {
    jetstream: jetstream::Context,
    stream: Stream,
}

impl DeadLetters {
    /// Connects; fails when the stream does not exist (no service has run).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let client = async_nats::connect(url).await.with_context(|| format!("cannot connect to NATS at {url}"))?;
        let jetstream = jetstream::new(client);
        let stream = jetstream
            .get_stream(DLQ_STREAM)
            .await
            .with_context(|| format!("no {DLQ_STREAM} stream at {url}: has a service run against it?"))?;
        Ok(Self { jetstream, stream })
    }

    /// Every dead letter still in the stream, oldest first.
    pub async fn list(&mut self) -> anyhow::Result<Vec<DeadLetter>> {
        let state = self.stream.info().await.context("cannot read the stream's state")?.state.clone();
        let mut letters = Vec::new();
        if state.messages == 0 {
            return Ok(letters);
        }
        for sequence in state.first_sequence..=state.last_sequence {
            // Replayed letters are deleted, leaving gaps.
            if let Ok(letter) = self.get(sequence).await {
                letters.push(letter);
            }
        }
        Ok(letters)
    }

    /// The dead letter at `sequence`.
    pub async fn get(&self, sequence: u64) -> anyhow::Result<DeadLetter> {
        let message = self
            .stream
            .get_raw_message(sequence)
            .await
            .with_context(|| format!("no dead letter with sequence {sequence}"))?;
        let header = |name: &str| message.headers.get(name).map(|value| value.to_string()).unwrap_or_default();
        Ok(DeadLetter {
            sequence,
            subject: message.subject.to_string(),
            original_subject: header(dlq_headers::ORIGINAL_SUBJECT),
            reason: header(dlq_headers::ERROR),
            deliveries: header(dlq_headers::DELIVERIES),
            payload: message.payload,
        })
    }

    /// Publishes the letter at `sequence` again on its original subject and
    /// deletes it from the dead-letter stream; returns the letter.
    pub async fn replay(&mut self, sequence: u64) -> anyhow::Result<DeadLetter> {
        let letter = self.get(sequence).await?;
        if letter.original_subject.is_empty() {
            bail!("dead letter {sequence} has no {} header", dlq_headers::ORIGINAL_SUBJECT);
        }
        let mut headers = async_nats::HeaderMap::new();
        let message_id = format!("replay:{}:{sequence}", letter.subject);
        headers.insert("Nats-Msg-Id", message_id.as_str());
        self.jetstream
            .publish_with_headers(letter.original_subject.clone(), headers, letter.payload.clone())
            .await
            .context("cannot publish the replay")?
            .await
            .context("the replay was not acknowledged")?;
        self.stream.delete_message(sequence).await.context("replayed, but cannot delete the dead letter")?;
        Ok(letter)
    }
}
