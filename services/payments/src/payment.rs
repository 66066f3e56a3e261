//! A recorded payment: at most one per order, decided by a unique index.

use common::{events::PaymentCreated, id::ObjectId, store::Index};

common::document! {
    /// A successful charge for an order, under the payment's own id (sent
    /// back to the buyer and in `payment.created`); always version 0.
    #[derive(Debug)]
    pub struct Payment in "payments" indexed [
        Index { name: Payment::ONE_PER_ORDER, field: "orderId", unique: true, only_when: None },
    ] {
        /// The paid order; unique, so an order is paid at most once.
        pub order_id: ObjectId,
        /// Stripe's charge id (`ch_…`).
        pub stripe_id: String,
        /// What was charged, in cents.
        #[serde(rename = "amount")]
        pub amount_cents: i64,
    }
}

impl Payment {
    /// The unique index on `orderId`; a duplicate means the order is paid.
    pub const ONE_PER_ORDER: &'static str = "payments_order_id";

    /// A new payment of `amount_cents` for `order_id`, charged as `stripe_id`.
    pub fn new(order_id: ObjectId, stripe_id: String, amount_cents: i64) -> Self {
        Self { id: ObjectId::generate(), version: 0, order_id, stripe_id, amount_cents }
    }

    /// The event that announces this payment.
    pub fn created_event(&self) -> PaymentCreated {
        PaymentCreated { id: self.id.clone(), order_id: self.order_id.clone(), stripe_id: self.stripe_id.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_is_stored_with_the_contract_fields_and_announced_with_its_ids() {
        let order_id = ObjectId::generate();
        let payment = Payment::new(order_id.clone(), "ch_123".into(), 1999);
        let stored = serde_json::to_value(&payment).unwrap();
        assert_eq!(
            stored,
            serde_json::json!({"id": payment.id, "version": 0, "orderId": order_id, "stripeId": "ch_123", "amount": 1999})
        );
        let event = payment.created_event();
        assert_eq!((event.id, event.order_id, event.stripe_id.as_str()), (payment.id, order_id, "ch_123"));
    }
}
