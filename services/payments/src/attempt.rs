//! Payment attempts: each Stripe charge is recorded (pending) before it is
//! made, with the idempotency key `payment-<orderId>-<number>` it uses
//! (contract 7), so no charge can happen that payments does not know to
//! look for.
//!
//! An attempt is `pending` until its outcome is known, then `charged`
//! (Stripe holds the charge `chargeId`), and finally `paid` (the order's
//! payment) or `refunded` (its order cannot be delivered). `declined`,
//! `failed` (Stripe refused it) and `abandoned` (looked up: nothing was
//! charged) let the next attempt use a fresh key. At most one attempt of an
//! order is unsettled at a time; the unique index on `key` makes two
//! requests starting the same attempt collide.
//!
//! Two leases say who may touch a pending attempt: `chargingUntil`, while
//! the request that made it may still be waiting on Stripe (others reuse its
//! key, so Stripe replays instead of charging twice), and `claimedUntil`,
//! while a settler (a request or the reconciler) looks its charge up. A lease
//! is taken with a version-checked update, so replicas never both win.

use std::time::Duration;

use common::{
    id::ObjectId,
    store::{Index, Store, StoreError},
    timestamp::Timestamp,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Where an attempt is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptState {
    /// Recorded before the Stripe call; the outcome is not known yet.
    Pending,
    /// Stripe charged it; not yet delivered or refunded.
    Charged,
    /// Its charge is the order's payment.
    Paid,
    /// Its charge is being (or was) refunded.
    Refunded,
    /// The card was declined.
    Declined,
    /// Stripe refused the request (nothing charged).
    Failed,
    /// Looked up at Stripe: nothing was charged under it.
    Abandoned,
}

impl AttemptState {
    /// Whether a later attempt may start after this one.
    pub fn is_settled(self) -> bool {
        !matches!(self, Self::Pending | Self::Charged)
    }
}

common::document! {
    /// One charge attempt for one order; its version moves on every change.
    #[derive(Debug)]
    pub struct Attempt in "attempts" indexed [
        Index { name: Attempt::ONE_PER_KEY, field: "key", unique: true, only_when: None },
        Index { name: "attempts_order_id", field: "orderId", unique: false, only_when: None },
        Index { name: "attempts_state", field: "state", unique: false, only_when: None },
    ] {
        /// The order being paid.
        pub order_id: ObjectId,
        /// 0, 1, …: the `<attempt>` of the key.
        pub number: i64,
        /// `payment-<orderId>-<number>`; unique.
        pub key: String,
        /// What is charged, in cents.
        #[serde(rename = "amount")]
        pub amount_cents: i64,
        /// See [`AttemptState`].
        pub state: AttemptState,
        /// Stripe's charge, once known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub charge_id: Option<String>,
        /// While the creating request may still be waiting on Stripe.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub charging_until: Option<Timestamp>,
        /// While a settler looks the charge up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub claimed_until: Option<Timestamp>,
    }
}

impl Attempt {
    /// The unique index on `key`.
    pub const ONE_PER_KEY: &'static str = "attempts_key";

    /// Attempt `number` for `order_id`, pending, its caller charging for up
    /// to `charging_for`.
    pub fn start(order_id: &ObjectId, number: i64, amount_cents: i64, charging_for: Duration) -> Self {
        Self {
            id: ObjectId::generate(),
            version: 0,
            order_id: order_id.clone(),
            number,
            key: idempotency_key(order_id, number),
            amount_cents,
            state: AttemptState::Pending,
            charge_id: None,
            charging_until: Some(Timestamp::now().plus(charging_for)),
            claimed_until: None,
        }
    }

    /// Whether its creating request may still be waiting on Stripe.
    pub fn is_charging(&self) -> bool {
        self.charging_until.is_some_and(|until| !until.is_past())
    }

    /// Whether a settler holds it.
    pub fn is_claimed(&self) -> bool {
        self.claimed_until.is_some_and(|until| !until.is_past())
    }

    /// The next version of this attempt, changed by `change`.
    pub fn next(&self, change: impl FnOnce(&mut Self)) -> Self {
        let mut next = Self { version: self.version + 1, ..self.clone() };
        change(&mut next);
        next
    }
}

/// `payment-<orderId>-<attempt>`.
pub fn idempotency_key(order_id: &ObjectId, attempt: i64) -> String {
    format!("payment-{order_id}-{attempt}")
}

/// Every attempt of `order_id`, by number.
pub async fn of_order(store: &Store, order_id: &ObjectId) -> Result<Vec<Attempt>, StoreError> {
    let mut attempts = store.find::<Attempt>(&[("orderId", json!(order_id))]).await?;
    attempts.sort_by_key(|attempt| attempt.number);
    Ok(attempts)
}

/// Applies `change` to attempt `id` as long as `applies` accepts what is
/// stored, re-reading after a lost race. Returns what is stored afterwards
/// and whether this call changed it.
pub async fn transition(
    store: &Store,
    id: &ObjectId,
    applies: impl Fn(&Attempt) -> bool,
    change: impl Fn(&mut Attempt),
) -> Result<(Attempt, bool), StoreError> {
    loop {
        let stored = store
            .get::<Attempt>(id)
            .await?
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("attempt {id} vanished")))?;
        if !applies(&stored) {
            return Ok((stored, false));
        }
        let next = stored.next(&change);
        if store.update(&next, &[]).await? {
            return Ok((next, true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_order_and_the_attempt() {
        let order = ObjectId::parse("6561a1d2e3f4a5b6c7d8e9f0").unwrap();
        assert_eq!(idempotency_key(&order, 0), "payment-6561a1d2e3f4a5b6c7d8e9f0-0");
        assert_eq!(idempotency_key(&order, 3), "payment-6561a1d2e3f4a5b6c7d8e9f0-3");
    }

    #[test]
    fn a_new_attempt_is_pending_and_charging() {
        let attempt = Attempt::start(&ObjectId::generate(), 2, 1999, Duration::from_secs(15));
        assert_eq!((attempt.state, attempt.number, attempt.version), (AttemptState::Pending, 2, 0));
        assert!(attempt.is_charging() && !attempt.is_claimed() && !attempt.state.is_settled());
        let stored = serde_json::to_value(&attempt).unwrap();
        assert_eq!((stored["state"].clone(), stored["amount"].clone()), (json!("pending"), json!(1999)));
    }
}
