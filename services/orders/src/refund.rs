//! Refunds payments made for an order (from `payment.refunded`): a charge
//! that could not be delivered (the order was cancelled, or it was a second
//! charge) and was given back. Kept beside the order, never in it, so the
//! order's versions (0 open, 1 final) stay as the contract says.

use common::{events::PaymentRefunded, id::ObjectId, money::Cents, store::Index};

common::document! {
    /// One refunded charge, under the refund's id in payments (the event's
    /// `id`, so a redelivery is a duplicate); always version 0.
    #[derive(Debug)]
    pub struct Refund in "refunds" indexed [
        Index { name: "refunds_order_id", field: "orderId", unique: false, only_when: None },
        Index { name: "refunds_user_id", field: "userId", unique: false, only_when: None },
    ] {
        /// The order it belongs to.
        pub order_id: ObjectId,
        /// The order's buyer, so a buyer's orders list finds them in one query.
        pub user_id: ObjectId,
        /// What was given back, in cents.
        #[serde(rename = "amount")]
        pub amount_cents: i64,
    }
}

impl Refund {
    /// The record of `event` for an order of `user_id`.
    pub fn from_event(event: &PaymentRefunded, user_id: ObjectId) -> Self {
        Self {
            id: event.id.clone(),
            version: 0,
            order_id: event.order_id.clone(),
            user_id,
            amount_cents: event.amount.0,
        }
    }
}

/// The total refunded among `refunds` for `order_id`, if anything was.
pub fn refunded_for(refunds: &[Refund], order_id: &ObjectId) -> Option<Cents> {
    let total: i64 = refunds.iter().filter(|refund| &refund.order_id == order_id).map(|r| r.amount_cents).sum();
    (total > 0).then_some(Cents(total))
}
