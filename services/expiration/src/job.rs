//! What a due job does: wait for the exact instant, then publish
//! `expiration.complete` and complete only once JetStream has acked it.
//!
//! A failed publish is retried here, with exponential backoff capped at 30 s,
//! for as long as the service runs (far beyond the contract's 100 attempts).
//! The retries stay inside the job on purpose: apalis-redis' own retry gives
//! up after 25 attempts. Only a shutdown ends the job unpublished, and then
//! apalis puts it back on the queue for the next worker.

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data, MetadataStore};
use bytes::Bytes;
use common::{
    backoff::{Backoff, pause},
    bus::Bus,
    events::{Event as _, ExpirationComplete, Outgoing},
    id::ObjectId,
    timestamp::Timestamp,
};
use prometheus_client::metrics::{counter::Counter, histogram::Histogram};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

/// The task metadata key carrying the exact due instant (Unix milliseconds).
pub const DUE_AT: &str = "expiresAtMillis";
/// The task metadata key carrying the scheduling listener's `traceparent`.
pub const TRACE: &str = "traceparent";

/// `expiration_lateness_seconds` buckets: 5 ms to a minute (the alert is at 1 s).
pub const LATENESS_BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0];

/// Publish retries: 100 ms doubling, capped at 30 s.
pub const PUBLISH_RETRY: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));

/// The job: `{"orderId":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpirationJob {
    /// The order whose reservation ends.
    pub order_id: ObjectId,
}

/// What every run of the job needs.
#[derive(Clone)]
pub struct JobContext {
    /// Publishes the event.
    pub bus: Bus,
    /// `expiration_jobs_run_total`.
    pub runs: Counter,
    /// `expiration_lateness_seconds`: from the due instant to the ack.
    pub lateness: Histogram,
    /// Cancelled when the service stops.
    pub shutdown: CancellationToken,
}

/// Runs one due job: waits for its exact instant, then publishes until acked,
/// in a span continuing the trace of the `order.created` that scheduled it.
pub async fn run(job: ExpirationJob, metadata: MetadataStore, context: Data<JobContext>) -> Result<(), BoxDynError> {
    let span = tracing::info_span!(
        parent: None,
        "job",
        otel.name = "expiration job",
        order_id = %job.order_id,
        trace_id = tracing::field::Empty,
    );
    common::telemetry::trace::continue_trace(&span, metadata.get(TRACE));
    run_due(job, metadata, context).instrument(span).await
}

async fn run_due(job: ExpirationJob, metadata: MetadataStore, context: Data<JobContext>) -> Result<(), BoxDynError> {
    let due = metadata.get(DUE_AT).and_then(|millis| millis.parse().ok()).and_then(Timestamp::from_unix_millis);
    if let Some(due) = due {
        // Fetched up to a second early (whole-second scheduling): wait it out.
        if pause(due.until(), &context.shutdown).await {
            return Err("shutting down before the job was due".into());
        }
    }
    let event = ExpirationComplete { order_id: job.order_id.clone() };
    let outgoing = Outgoing::of(&event);
    let mut failures = 0u32;
    loop {
        match context
            .bus
            .publish(ExpirationComplete::SUBJECT, &outgoing.message_id, Bytes::from(outgoing.payload.clone()))
            .await
        {
            Ok(_) => {
                context.runs.inc();
                // Measured to the ack, so a slow or failing publish counts
                // as late too: that is what the buyer waits for.
                if let Some(due) = due {
                    let late_millis = Timestamp::now().unix_millis() - due.unix_millis();
                    context.lateness.observe(late_millis.max(0) as f64 / 1000.0);
                }
                tracing::info!("expiration published");
                return Ok(());
            }
            Err(error) => {
                failures += 1;
                let delay = PUBLISH_RETRY.delay(failures);
                tracing::warn!(
                    attempt = failures,
                    ?delay,
                    error = format!("{error:#}"),
                    "cannot publish the expiration; retrying"
                );
                if pause(delay, &context.shutdown).await {
                    return Err("shutting down with the expiration unpublished".into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_is_just_the_order_id() {
        let job = ExpirationJob { order_id: ObjectId::parse("6561a1d2e3f4a5b6c7d8e9f0").unwrap() };
        assert_eq!(serde_json::to_string(&job).unwrap(), r#"{"orderId":"6561a1d2e3f4a5b6c7d8e9f0"}"#);
    }

    #[test]
    fn retries_back_off_exponentially_up_to_thirty_seconds() {
        let delays: Vec<u128> = [1, 2, 3, 9, 10, 100].iter().map(|n| PUBLISH_RETRY.delay(*n).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 25_600, 30_000, 30_000]);
    }
}
