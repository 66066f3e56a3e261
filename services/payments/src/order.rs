//! The order replica: what payments knows about each order, from events.
//!
//! Orders own their orders; payments keeps just enough to decide whether an
//! order may be paid (who owns it, what it costs, whether it was cancelled,
//! when it lapses). The replica only ever sees version 0 (`order.created`)
//! and version 1 (`order.cancelled`): a payment completes an order in the
//! orders service without an event for us (contract 4.5).

use common::{
    events::{OrderCreated, OrderStatus},
    id::ObjectId,
    timestamp::Timestamp,
};

common::document! {
    /// One order as payments sees it, at the order's version in the orders
    /// service.
    #[derive(Debug)]
    pub struct Order in "orders" {
        /// The buyer.
        pub user_id: ObjectId,
        /// What the buyer will be charged, in cents.
        #[serde(rename = "price")]
        pub price_cents: i64,
        /// `created` until cancelled.
        pub status: OrderStatus,
        /// When the reservation lapses.
        pub expires_at: Timestamp,
    }
}

impl Order {
    /// The replica of a newly created order.
    pub fn from_created(event: &OrderCreated) -> Self {
        Self {
            id: event.id.clone(),
            version: event.version,
            user_id: event.user_id.clone(),
            price_cents: event.ticket.price.0,
            status: event.status,
            expires_at: event.expires_at,
        }
    }

    /// This order cancelled, at `version`.
    pub fn cancelled(&self, version: i64) -> Self {
        Self { version, status: OrderStatus::Cancelled, ..self.clone() }
    }

    /// Whether the reservation has lapsed: now ≥ `expiresAt`.
    pub fn has_expired(&self) -> bool {
        self.expires_at.is_past()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use common::{
        events::{OrderStatus, OrderTicketSnapshot},
        money::Cents,
    };

    use super::*;

    fn created(expires_at: Timestamp) -> OrderCreated {
        OrderCreated {
            id: ObjectId::generate(),
            version: 0,
            status: OrderStatus::Created,
            user_id: ObjectId::generate(),
            expires_at,
            ticket: OrderTicketSnapshot { id: ObjectId::generate(), price: Cents(1999) },
        }
    }

    #[test]
    fn the_replica_keeps_the_price_in_exact_cents() {
        let event: OrderCreated = serde_json::from_value(serde_json::json!({
            "id": "6561a1d2e3f4a5b6c7d8e9f0", "version": 0, "status": "created",
            "userId": "6561a0c0f1e2d3c4b5a69788", "expiresAt": "2026-11-24T10:01:00.000Z",
            "ticket": {"id": "6561a0f0a1b2c3d4e5f60718", "price": 19.99}
        }))
        .unwrap();
        let order = Order::from_created(&event);
        assert_eq!((order.price_cents, order.version, order.status), (1999, 0, OrderStatus::Created));
        let stored = serde_json::to_value(&order).unwrap();
        assert_eq!(stored["price"], serde_json::json!(1999), "stored as integer cents, never a float");
        assert_eq!(stored["userId"], "6561a0c0f1e2d3c4b5a69788");
    }

    #[test]
    fn cancelling_keeps_everything_but_status_and_version() {
        let order = Order::from_created(&created(Timestamp::now().plus(Duration::from_secs(60))));
        let cancelled = order.cancelled(1);
        assert_eq!((cancelled.status, cancelled.version), (OrderStatus::Cancelled, 1));
        assert_eq!(Order { status: OrderStatus::Created, version: 0, ..cancelled }, order);
    }

    #[test]
    fn an_order_has_expired_from_its_expiry_instant_on() {
        assert!(Order::from_created(&created(Timestamp::now())).has_expired(), "now ≥ expiresAt");
        assert!(!Order::from_created(&created(Timestamp::now().plus(Duration::from_secs(60)))).has_expired());
    }
}
