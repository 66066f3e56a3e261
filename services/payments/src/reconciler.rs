//! The reconciler: a background pass, every [`EVERY`], that settles what
//! requests left behind, so every charge ends as a payment or a refund
//! within 30 s, across restarts (all its state is in the store).
//!
//! - pending attempts whose caller is gone (a lost answer, a timeout, a
//!   crash mid-call) are claimed and looked up at Stripe (`settle::look_up`);
//! - charged attempts not yet delivered (a crash after the charge was
//!   stored), still so one pass later, are delivered or refunded;
//! - refunds not yet made at Stripe are made.
//!
//! Several replicas may run it at once: an attempt is claimed with a
//! version-checked update, delivering is idempotent (unique indexes on the
//! payment's order and the refund's charge), and refunds carry an
//! idempotency key.
//!
//! After each pass it sets `payments_unsettled_oldest_seconds`, the age of
//! the oldest attempt still pending or charged, which the "reconciliation
//! pending over 5 min" alert reads: a healthy reconciler keeps it near zero.

use std::{collections::HashSet, future::Future, time::Duration};

use common::{id::ObjectId, metrics::FloatGauge, timestamp::Timestamp};
use serde_json::json;

use crate::{
    attempt::{Attempt, AttemptState},
    refunds::{self, Refund},
    settle::{self, Lookup},
    state::AppState,
};

/// How often the reconciler looks.
pub const EVERY: Duration = Duration::from_secs(2);

/// Runs passes until `shutdown` resolves, setting `oldest` (seconds) after
/// each. Failures are logged and retried on the next pass, never fatal.
pub async fn run(state: AppState, oldest: FloatGauge, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    let mut charged_before = HashSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(EVERY) => {}
        }
        match pass(&state, &charged_before).await {
            Ok(charged) => charged_before = charged,
            Err(error) => tracing::warn!(%error, "reconciler pass failed; retrying"),
        }
        match oldest_unsettled(&state).await {
            Ok(age) => {
                oldest.set(age.as_secs_f64());
            }
            Err(error) => tracing::warn!(%error, "cannot measure the unsettled attempts"),
        }
    }
}

/// The age of the oldest attempt not yet settled (zero when none is): an
/// attempt's id carries its creation second.
pub async fn oldest_unsettled(state: &AppState) -> anyhow::Result<Duration> {
    let now = Timestamp::now().unix_millis();
    let mut oldest = 0_i64;
    for unsettled in [AttemptState::Pending, AttemptState::Charged] {
        for attempt in state.store.find::<Attempt>(&[("state", json!(unsettled))]).await? {
            oldest = oldest.max(now - attempt.id.created_at().unix_millis());
        }
    }
    Ok(Duration::from_millis(u64::try_from(oldest).unwrap_or_default()))
}

/// One pass over everything unsettled. A charged attempt is delivered only
/// when it was already charged at the previous pass (`charged_before`):
/// a fresh one is its request's to answer. Returns the charged attempts seen.
pub async fn pass(state: &AppState, charged_before: &HashSet<ObjectId>) -> anyhow::Result<HashSet<ObjectId>> {
    for pending in state.store.find::<Attempt>(&[("state", json!(AttemptState::Pending))]).await? {
        if pending.is_charging() || pending.is_claimed() {
            continue;
        }
        match settle::look_up(state, &pending).await {
            Ok(Lookup::Charged(charged)) => {
                tracing::info!(attempt = %charged.key, "found the charge of an unsettled attempt");
                settle::deliver(state, &charged).await?;
            }
            Ok(Lookup::NothingCharged) => tracing::info!(attempt = %pending.key, "unsettled attempt charged nothing"),
            Ok(Lookup::Busy) => {}
            Err(error) => tracing::warn!(attempt = %pending.key, %error, "cannot settle the attempt yet"),
        }
    }
    let mut charged_now = HashSet::new();
    for charged in state.store.find::<Attempt>(&[("state", json!(AttemptState::Charged))]).await? {
        if charged_before.contains(&charged.id) {
            settle::deliver(state, &charged).await?;
        }
        charged_now.insert(charged.id);
    }
    for refund in state.store.find::<Refund>(&[("done", json!(false))]).await? {
        if let Err(error) = refunds::execute(state, &refund).await {
            tracing::warn!(charge_id = %refund.charge_id, %error, "refund not made yet");
        }
    }
    Ok(charged_now)
}
