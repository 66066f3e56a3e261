//! Refunds: a charge whose order cannot be delivered is given back in full,
//! exactly once, whichever of its charge answer and the order's
//! cancellation arrives first.
//!
//! A refund is first stored `pending`, one per charge (a unique index on
//! `chargeId`, so every path that decides to refund ends on the same
//! record), then made at Stripe under `refund-<chargeId>` (so a retry after a
//! crash or a lost answer gets Stripe's first refund back), then stored
//! `done` with its `payment.refunded`, in one write. The reconciler retries
//! refunds left pending.

use common::{
    events::{Outgoing, PaymentRefunded},
    id::ObjectId,
    money::Cents,
    store::{Index, StoreError},
};
use serde_json::json;

use crate::{gateway::ChargeError, state::AppState};

common::document! {
    /// One charge to give back, under the id `payment.refunded` carries:
    /// version 0 pending, 1 done.
    #[derive(Debug)]
    pub struct Refund in "refunds" indexed [
        Index { name: Refund::ONE_PER_CHARGE, field: "chargeId", unique: true, only_when: None },
        Index { name: "refunds_done", field: "done", unique: false, only_when: None },
    ] {
        /// The order the charge was for.
        pub order_id: ObjectId,
        /// The charge (`ch_…`); unique.
        pub charge_id: String,
        /// The whole charge, in cents.
        #[serde(rename = "amount")]
        pub amount_cents: i64,
        /// Whether Stripe has refunded it.
        pub done: bool,
        /// Stripe's refund (`re_…`), once done.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub stripe_refund_id: Option<String>,
    }
}

impl Refund {
    /// The unique index on `chargeId`.
    pub const ONE_PER_CHARGE: &'static str = "refunds_charge_id";

    /// The event announcing this (done) refund.
    pub fn refunded_event(&self) -> PaymentRefunded {
        PaymentRefunded {
            id: self.id.clone(),
            order_id: self.order_id.clone(),
            stripe_id: self.charge_id.clone(),
            refund_id: self.stripe_refund_id.clone(),
            amount: Cents(self.amount_cents),
        }
    }
}

/// Records that `charge_id` must be refunded (once, whoever asks), then
/// tries to refund it now; a Stripe failure leaves it to the reconciler.
pub async fn refund_charge(
    state: &AppState,
    order_id: &ObjectId,
    charge_id: &str,
    amount_cents: i64,
) -> Result<(), StoreError> {
    let fresh = Refund {
        id: ObjectId::generate(),
        version: 0,
        order_id: order_id.clone(),
        charge_id: charge_id.to_owned(),
        amount_cents,
        done: false,
        stripe_refund_id: None,
    };
    let refund = match state.store.insert(&fresh, &[]).await {
        Ok(()) => fresh,
        Err(error) if error.is_duplicate(Refund::ONE_PER_CHARGE) => {
            let mut existing = state.store.find::<Refund>(&[("chargeId", json!(charge_id))]).await?;
            existing.pop().ok_or_else(|| StoreError::Other(anyhow::anyhow!("refund of {charge_id} vanished")))?
        }
        Err(error) => return Err(error),
    };
    if let Err(error) = execute(state, &refund).await {
        tracing::warn!(order_id = %order_id, charge_id, %error, "refund not made yet; the reconciler retries");
    }
    Ok(())
}

/// Why a refund is still pending.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// Stripe could not be used.
    #[error("Stripe: {0:?}")]
    Stripe(ChargeError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a pending refund at Stripe and stores it done with its event.
pub async fn execute(state: &AppState, refund: &Refund) -> Result<(), RefundError> {
    if refund.done {
        return Ok(());
    }
    let stripe_refund_id = state.stripe.refund(&refund.charge_id).await.map_err(RefundError::Stripe)?;
    let done = Refund { version: refund.version + 1, done: true, stripe_refund_id, ..refund.clone() };
    // `false`: another caller stored the same Stripe refund first.
    if state.store.update(&done, &[Outgoing::of(&done.refunded_event())]).await? {
        tracing::info!(order_id = %done.order_id, charge_id = %done.charge_id, amount = done.amount_cents, "charge refunded");
    }
    Ok(())
}
