//! Settling one delivery: what a handler's decision means for the server
//! (ack, nak with a delay, or dead letter then terminate), and counting it.

use std::{borrow::Cow, time::Duration};

use async_nats::{
    HeaderMap,
    jetstream::{AckKind, Message},
};

use super::{Outcome, counts::DeliveryCounts};
use crate::{
    backoff::{Backoff, DEPENDENCY},
    bus::Bus,
    events::dlq_headers,
    metrics::{ConsumeOutcome, Metrics},
};

/// How many times the dead-letter copy is tried at the last allowed delivery
/// (about 25 s of [`DEPENDENCY`] backoff) before the message is left in the
/// stream, unacknowledged, for an operator.
const LAST_COPY_ATTEMPTS: u32 = 8;

/// A message in hand, and where it stands in the stream.
pub(super) struct Delivery<'a> {
    message: &'a Message,
    /// Its subject, as the handler names it where one does (for metrics).
    subject: Cow<'static, str>,
    pub(super) stream_sequence: u64,
    /// This is its n-th delivery.
    pub(super) count: i64,
}

/// How one delivery is settled with the server.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Settlement {
    Ack,
    /// Nak, to be redelivered after this long.
    Retry(Duration),
    /// Copy to the dead-letter subject for this reason, then terminate.
    DeadLetter(String),
}

impl Settlement {
    /// What a handler's decision means at the `deliveries`-th delivery of `max_deliver`.
    pub(super) fn of(decision: anyhow::Result<Outcome>, deliveries: i64, max_deliver: i64) -> Self {
        let last_try = deliveries >= max_deliver;
        match decision {
            Ok(Outcome::Done) => Self::Ack,
            Ok(Outcome::Reject(reason)) => Self::DeadLetter(reason),
            Err(error) if last_try => {
                Self::DeadLetter(format!("still failing after {deliveries} deliveries: {error:#}"))
            }
            Ok(_) if last_try => Self::DeadLetter(format!("still not applicable after {deliveries} deliveries")),
            Ok(Outcome::NotUntil(at)) => Self::Retry(at.until().max(Duration::from_millis(20))),
            Ok(Outcome::NotYet) => Self::Retry(nak_delay(deliveries)),
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "handler failed; will retry");
                Self::Retry(nak_delay(deliveries))
            }
        }
    }
}

impl<'a> Delivery<'a> {
    /// `message` on `subject`, numbered by the server or, where that went
    /// back, by `counts`.
    pub(super) fn of(message: &'a Message, subject: Cow<'static, str>, counts: &DeliveryCounts) -> Self {
        match message.info() {
            Ok(info) => Self {
                message,
                subject,
                stream_sequence: info.stream_sequence,
                count: counts.count(info.stream_sequence, info.delivered),
            },
            Err(_) => Self { message, subject, stream_sequence: 0, count: 1 },
        }
    }

    /// Tells the server how the message ended, and counts it.
    pub(super) async fn settle(
        &self,
        durable: &str,
        bus: &Bus,
        settlement: Settlement,
        metrics: &Metrics,
    ) -> anyhow::Result<ConsumeOutcome> {
        let (kind, outcome) = match settlement {
            Settlement::Ack => (AckKind::Ack, ConsumeOutcome::Ack),
            Settlement::Retry(delay) => (AckKind::Nak(Some(delay)), ConsumeOutcome::Retry),
            Settlement::DeadLetter(reason) => match self.dead_letter_patiently(durable, bus, &reason).await {
                Ok(()) => (AckKind::Term, ConsumeOutcome::DeadLetter),
                // The copy was not stored: nak instead, so it is never lost.
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "cannot dead-letter; will retry");
                    (AckKind::Nak(Some(nak_delay(self.count))), ConsumeOutcome::Retry)
                }
            },
        };
        self.message.ack_with(kind).await.map_err(|error| anyhow::anyhow!("{error}"))?;
        metrics.consumed(self.subject.clone(), outcome);
        tracing::info!(outcome = outcome.label(), "event consumed");
        Ok(outcome)
    }

    /// [`Self::dead_letter`], retried in place at the consumer's last allowed
    /// delivery: the server never redelivers a message past `max_deliver`, so
    /// a nak there would strand it (neither handled nor dead-lettered). Each
    /// wait tells the server the message is still in hand (`+WPI`), so its
    /// ack wait does not run out meanwhile.
    async fn dead_letter_patiently(&self, durable: &str, bus: &Bus, reason: &str) -> anyhow::Result<()> {
        let mut failures = 0;
        loop {
            match self.dead_letter(durable, bus, reason).await {
                Ok(()) => return Ok(()),
                Err(error) if self.count < bus.settings().max_deliver || failures >= LAST_COPY_ATTEMPTS => {
                    return Err(error);
                }
                Err(error) => {
                    failures += 1;
                    tracing::warn!(
                        error = format!("{error:#}"),
                        attempt = failures,
                        "cannot dead-letter; trying again"
                    );
                    let _ = self.message.ack_with(AckKind::Progress).await;
                    tokio::time::sleep(DEPENDENCY.delay(failures)).await;
                }
            }
        }
    }

    /// Copies the message to `dlq.<durable>.<subject>`; terminating it is the caller's.
    async fn dead_letter(&self, durable: &str, bus: &Bus, reason: &str) -> anyhow::Result<()> {
        let subject = self.message.subject.as_str();
        let mut headers = HeaderMap::new();
        headers.insert(dlq_headers::ORIGINAL_SUBJECT, subject);
        headers.insert(dlq_headers::STREAM_SEQUENCE, self.stream_sequence.to_string().as_str());
        headers.insert(dlq_headers::DELIVERIES, self.count.to_string().as_str());
        headers.insert(dlq_headers::ERROR, reason.replace(['\r', '\n'], " ").as_str());
        let dlq_subject = format!("dlq.{durable}.{subject}");
        let message_id = format!("dlq:{durable}:{}", self.stream_sequence);
        bus.publish_with(&dlq_subject, &message_id, self.message.payload.clone(), headers).await?;
        tracing::error!(reason, dlq_subject = %dlq_subject, "event dead-lettered");
        Ok(())
    }
}

/// Contract 4.3: min(0.25 s × 2^(n−1), 30 s) at delivery n.
pub fn nak_delay(deliveries: i64) -> Duration {
    const NAK: Backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
    NAK.delay(u32::try_from(deliveries.clamp(1, 20)).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    #[test]
    fn nak_delays_double_from_a_quarter_second_up_to_thirty() {
        let delays: Vec<u128> = [1, 2, 3, 4, 8, 9, 20].iter().map(|n| nak_delay(*n).as_millis()).collect();
        assert_eq!(delays, vec![250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
    }

    #[test]
    fn decisions_settle_as_the_contract_says() {
        let max = 5;
        let failed = || Err(anyhow::anyhow!("down"));
        assert_eq!(Settlement::of(Ok(Outcome::Done), max, max), Settlement::Ack);
        assert_eq!(Settlement::of(Ok(Outcome::NotYet), 2, max), Settlement::Retry(Duration::from_millis(500)));
        assert_eq!(Settlement::of(failed(), 1, max), Settlement::Retry(Duration::from_millis(250)));
        assert_eq!(Settlement::of(Ok(Outcome::Reject("bad".into())), 1, max), Settlement::DeadLetter("bad".into()));
        let gave_up = Settlement::DeadLetter("still not applicable after 5 deliveries".into());
        assert_eq!(Settlement::of(Ok(Outcome::NotYet), max, max), gave_up);
        let gave_up = Settlement::DeadLetter("still failing after 5 deliveries: down".into());
        assert_eq!(Settlement::of(failed(), max, max), gave_up);
        let due_now = Settlement::of(Ok(Outcome::NotUntil(Timestamp::now())), 1, max);
        assert_eq!(due_now, Settlement::Retry(Duration::from_millis(20)), "never sooner than 20 ms");
    }
}
