//! Settling charges: what happens once payments knows a charge exists,
//! whoever learnt it (the paying request, a later request, the reconciler).
//!
//! A charge is delivered when its order is still wanted: it becomes the
//! order's payment, with `payment.created`. Otherwise it is refunded: the
//! order is cancelled, or another charge already paid it. The cancellation
//! listener does the mirror image (cancel, then refund the order's known
//! charges), and each side re-reads the other's write after its own, so
//! whichever order the two happen in, the charge of a cancelled order is
//! refunded.

use common::{
    events::{OrderStatus, Outgoing},
    id::ObjectId,
    store::StoreError,
    timestamp::Timestamp,
};
use serde_json::json;

use crate::{
    attempt::{self, Attempt, AttemptState},
    gateway::ChargeError,
    order::Order,
    payment::Payment,
    refunds,
    state::AppState,
};

/// What became of a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Recorded as the order's payment by this call.
    Paid(ObjectId),
    /// Already recorded as the order's payment, by another call.
    AlreadyRecorded,
    /// Refunded: the order is cancelled, or another charge paid it.
    Refunded,
}

/// Stores that attempt `id` charged `charge_id` (a pending or abandoned
/// attempt takes it; a charge found late still counts).
pub async fn record_charge(state: &AppState, id: &ObjectId, charge_id: &str) -> Result<Attempt, StoreError> {
    let (stored, _) = attempt::transition(
        &state.store,
        id,
        |stored| matches!(stored.state, AttemptState::Pending | AttemptState::Abandoned),
        |next| {
            next.state = AttemptState::Charged;
            next.charge_id = Some(charge_id.to_owned());
            next.charging_until = None;
            next.claimed_until = None;
        },
    )
    .await?;
    if stored.charge_id.as_deref() != Some(charge_id) {
        // One key charges once, so this is another charge for the attempt's
        // order: refund it rather than keep money nothing accounts for.
        tracing::error!(attempt = %stored.key, charge_id, "second charge under one attempt; refunding it");
        refunds::refund_charge(state, &stored.order_id, charge_id, stored.amount_cents).await?;
    }
    Ok(stored)
}

/// Delivers or refunds a `charged` attempt (anything else is left as is).
pub async fn deliver(state: &AppState, attempt: &Attempt) -> Result<Delivery, StoreError> {
    let Some(charge_id) = attempt.charge_id.clone() else {
        return Ok(Delivery::AlreadyRecorded);
    };
    match attempt.state {
        AttemptState::Charged => {}
        AttemptState::Refunded => return Ok(Delivery::Refunded),
        _ => return Ok(Delivery::AlreadyRecorded),
    }
    if is_cancelled(state, &attempt.order_id).await? {
        refund(state, attempt).await?;
        return Ok(Delivery::Refunded);
    }
    let payment = Payment::new(attempt.order_id.clone(), charge_id.clone(), attempt.amount_cents);
    let delivery = match state.store.insert(&payment, &[Outgoing::of(&payment.created_event())]).await {
        Ok(()) => Delivery::Paid(payment.id.clone()),
        Err(error) if error.is_duplicate(Payment::ONE_PER_ORDER) => {
            let recorded = state.store.find::<Payment>(&[("orderId", json!(attempt.order_id))]).await?;
            if recorded.iter().any(|payment| payment.stripe_id == charge_id) {
                Delivery::AlreadyRecorded
            } else {
                tracing::warn!(order_id = %attempt.order_id, charge_id, "order already paid by another charge; refunding");
                refund(state, attempt).await?;
                return Ok(Delivery::Refunded);
            }
        }
        Err(error) => return Err(error),
    };
    // After our write, re-read theirs: a cancellation that came in between
    // saw no payment to refund.
    if is_cancelled(state, &attempt.order_id).await? {
        refund(state, attempt).await?;
        return Ok(Delivery::Refunded);
    }
    attempt::transition(
        &state.store,
        &attempt.id,
        |a| a.state == AttemptState::Charged,
        |next| {
            next.state = AttemptState::Paid;
        },
    )
    .await?;
    if let Delivery::Paid(payment_id) = &delivery {
        tracing::info!(order_id = %attempt.order_id, %payment_id, charge_id, "order paid");
    }
    Ok(delivery)
}

/// Refunds every known charge of a cancelled order (the listener's side).
pub async fn refund_cancelled(state: &AppState, order_id: &ObjectId) -> Result<(), StoreError> {
    for attempt in attempt::of_order(&state.store, order_id).await? {
        if matches!(attempt.state, AttemptState::Charged | AttemptState::Paid) {
            refund(state, &attempt).await?;
        }
    }
    Ok(())
}

/// The refund is recorded before the attempt says so: a crash in between
/// leaves the attempt `charged`, and the reconciler delivers it again.
async fn refund(state: &AppState, attempt: &Attempt) -> Result<(), StoreError> {
    let Some(charge_id) = attempt.charge_id.as_deref() else { return Ok(()) };
    refunds::refund_charge(state, &attempt.order_id, charge_id, attempt.amount_cents).await?;
    attempt::transition(
        &state.store,
        &attempt.id,
        |a| matches!(a.state, AttemptState::Charged | AttemptState::Paid),
        |next| next.state = AttemptState::Refunded,
    )
    .await?;
    Ok(())
}

async fn is_cancelled(state: &AppState, order_id: &ObjectId) -> Result<bool, StoreError> {
    Ok(state.store.get::<Order>(order_id).await?.is_some_and(|order| order.status == OrderStatus::Cancelled))
}

/// What a lookup of a pending attempt found.
#[derive(Debug)]
pub enum Lookup {
    /// Its charge, now recorded (the attempt is `charged` or later).
    Charged(Attempt),
    /// Nothing was charged; the attempt is `abandoned`.
    NothingCharged,
    /// Someone else holds it, or it already moved on.
    Busy,
}

/// Claims a pending attempt whose caller is gone and looks its charge up at
/// Stripe: a succeeded charge for its order that no other attempt holds.
pub async fn look_up(state: &AppState, pending: &Attempt) -> Result<Lookup, LookupError> {
    let lease = state.stripe.timeout() * 2;
    let (claimed, won) = attempt::transition(
        &state.store,
        &pending.id,
        |a| a.state == AttemptState::Pending && !a.is_charging() && !a.is_claimed(),
        |next| next.claimed_until = Some(Timestamp::now().plus(lease)),
    )
    .await?;
    if !won {
        return Ok(Lookup::Busy);
    }
    let found = match state.stripe.charges_of(&claimed.order_id).await {
        Ok(found) => found,
        Err(reason) => {
            // Let the next request or pass try again at once.
            attempt::transition(
                &state.store,
                &claimed.id,
                |a| a.version == claimed.version,
                |next| {
                    next.claimed_until = None;
                },
            )
            .await?;
            return Err(LookupError::Stripe(reason));
        }
    };
    let attempts = attempt::of_order(&state.store, &claimed.order_id).await?;
    let known: Vec<&str> = attempts.iter().filter_map(|a| a.charge_id.as_deref()).collect();
    let unknown: Vec<_> = found.iter().filter(|charge| !known.contains(&charge.id.as_str())).collect();
    if unknown.len() > 1 {
        tracing::error!(order_id = %claimed.order_id, count = unknown.len(), "several unknown charges; taking the oldest");
    }
    match unknown.first() {
        Some(charge) => Ok(Lookup::Charged(record_charge(state, &claimed.id, &charge.id).await?)),
        None => {
            attempt::transition(
                &state.store,
                &claimed.id,
                |a| a.state == AttemptState::Pending,
                |next| {
                    next.state = AttemptState::Abandoned;
                    next.claimed_until = None;
                },
            )
            .await?;
            Ok(Lookup::NothingCharged)
        }
    }
}

/// Why a lookup did not finish; the claim lapses and it is tried again.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// Stripe could not be used.
    #[error("Stripe: {0:?}")]
    Stripe(ChargeError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
