//! The charging step of `POST /api/payments`: record the attempt, charge
//! under its key, settle what Stripe said.
//!
//! Before a new attempt, the order's latest one must be settled. One still
//! charging is joined (same key: Stripe replays its answer, or says the key
//! is busy); one whose caller gave up (a lost or late answer, a crash) is
//! looked up at Stripe first, and its charge, if any, becomes the payment
//! instead of charging the buyer again.

use common::{ApiError, Result, id::ObjectId, store::StoreError};

use crate::{
    attempt::{self, Attempt, AttemptState},
    gateway::{ChargeError, ChargeRequest},
    order::Order,
    settle::{self, Delivery, Lookup, LookupError},
    state::AppState,
};

pub(crate) const ALREADY_PAID: &str = "Order has already been paid";
pub(crate) const CANCELLED: &str = "Cannot pay for an cancelled order";
const IN_PROGRESS: &str = "A payment for this order is already in progress";
const PROVIDER_UNAVAILABLE: &str = "Payment provider unavailable";

/// How long past Stripe's timeout a charging request is still waited for.
const CHARGING_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Pays `order` with `token`; the new payment's id.
pub(crate) async fn pay(state: &AppState, order: &Order, token: &str) -> Result<ObjectId> {
    loop {
        let latest = attempt::of_order(&state.store, &order.id).await?.pop();
        let number = match latest {
            Some(latest) if latest.state == AttemptState::Pending && latest.is_charging() => {
                return charge(state, order, token, &latest).await;
            }
            Some(latest) if latest.state == AttemptState::Pending => match settle::look_up(state, &latest).await {
                Ok(Lookup::Charged(charged)) => return answer(state, &charged).await,
                Ok(Lookup::NothingCharged) => continue,
                Ok(Lookup::Busy) if latest.is_claimed() => return Err(ApiError::bad_request(IN_PROGRESS)),
                Ok(Lookup::Busy) => continue,
                Err(LookupError::Store(error)) => return Err(error.into()),
                Err(LookupError::Stripe(reason)) => return Err(unavailable(order, &latest, &reason)),
            },
            Some(latest)
                if matches!(latest.state, AttemptState::Charged | AttemptState::Paid | AttemptState::Refunded) =>
            {
                return answer(state, &latest).await;
            }
            Some(latest) => latest.number + 1,
            None => 0,
        };
        let charging_for = state.stripe.timeout() + CHARGING_MARGIN;
        let fresh = Attempt::start(&order.id, number, order.price_cents, charging_for);
        match state.store.insert(&fresh, &[]).await {
            Ok(()) => return charge(state, order, token, &fresh).await,
            // Another request started this attempt first: join it.
            Err(error) if error.is_duplicate(Attempt::ONE_PER_KEY) => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

/// Charges under `attempt`'s key and settles the answer.
async fn charge(state: &AppState, order: &Order, token: &str, attempt: &Attempt) -> Result<ObjectId> {
    let request =
        ChargeRequest { order_id: &order.id, amount_cents: attempt.amount_cents, token, idempotency_key: &attempt.key };
    match state.stripe.charge(&request).await {
        Ok(charge_id) => {
            let charged = settle::record_charge(state, &attempt.id, &charge_id).await?;
            answer(state, &charged).await
        }
        Err(ChargeError::Declined(message)) => {
            finish(state, attempt, AttemptState::Declined).await?;
            tracing::info!(order_id = %order.id, attempt = attempt.number, "card declined");
            Err(ApiError::bad_request(message))
        }
        Err(ChargeError::Rejected(message)) => {
            finish(state, attempt, AttemptState::Failed).await?;
            Err(ApiError::bad_request(message))
        }
        Err(ChargeError::InProgress) => Err(ApiError::bad_request(IN_PROGRESS)),
        Err(reason @ ChargeError::Unavailable(_)) => {
            // Charged or not, we cannot tell: let the next request or the
            // reconciler look it up now rather than when the lease lapses.
            attempt::transition(
                &state.store,
                &attempt.id,
                |a| a.state == AttemptState::Pending,
                |next| {
                    next.charging_until = None;
                },
            )
            .await?;
            Err(unavailable(order, attempt, &reason))
        }
    }
}

/// The answer for a charged attempt.
async fn answer(state: &AppState, charged: &Attempt) -> Result<ObjectId> {
    match settle::deliver(state, charged).await? {
        Delivery::Paid(payment_id) => Ok(payment_id),
        Delivery::AlreadyRecorded => Err(ApiError::bad_request(ALREADY_PAID)),
        Delivery::Refunded => Err(ApiError::bad_request(CANCELLED)),
    }
}

/// Ends a pending attempt that Stripe refused, so the next one gets a fresh key.
async fn finish(state: &AppState, attempt: &Attempt, to: AttemptState) -> Result<(), StoreError> {
    attempt::transition(
        &state.store,
        &attempt.id,
        |a| a.state == AttemptState::Pending,
        |next| {
            next.state = to;
            next.charging_until = None;
        },
    )
    .await
    .map(drop)
}

fn unavailable(order: &Order, attempt: &Attempt, reason: &ChargeError) -> ApiError {
    tracing::error!(order_id = %order.id, attempt = attempt.number, ?reason, "Stripe unavailable; the attempt stays pending");
    ApiError::BadGateway(PROVIDER_UNAVAILABLE.to_owned())
}
