//! The order document and its state machine (contract 5).
//!
//! An order is born `created` at version 0 and ends at version 1, either
//! `cancelled` (by its buyer or by expiry, announced with `order.cancelled`)
//! or `complete` (paid, announced by payments, so no event of ours).
//!
//! "At most one live order per ticket" is not checked before inserting:
//! a partial unique index on `ticketId`, covering only the statuses that
//! hold a ticket (open and `complete`), refuses the second insert inside the
//! store. Cancelling moves an order out of that index, freeing the ticket.

use std::time::Duration;

use common::{
    events::{OrderCancelled, OrderCreated, OrderStatus, OrderTicketRef, OrderTicketSnapshot, Outgoing},
    id::ObjectId,
    store::Index,
    timestamp::Timestamp,
};

use crate::ticket::Ticket;

common::document! {
    /// One buyer's reservation of one ticket: version 0 while open, 1 once
    /// cancelled or complete.
    #[derive(Debug)]
    pub struct Order in "orders" indexed [
        Index {
            name: Order::ONE_LIVE_PER_TICKET,
            field: "ticketId",
            unique: true,
            only_when: Some(("status", &OrderStatus::HOLDING_TICKET)),
        },
        // `GET /api/orders` lists by buyer.
        Index { name: "orders_user_id", field: "userId", unique: false, only_when: None },
        // The expiry sweeper lists open orders by status.
        Index { name: "orders_status", field: "status", unique: false, only_when: None },
    ] {
        /// Where the order is in its life.
        pub status: OrderStatus,
        /// The buyer.
        pub user_id: ObjectId,
        /// When the reservation lapses.
        pub expires_at: Timestamp,
        /// The reserved ticket; a top-level field so the unique index can cover it.
        pub ticket_id: ObjectId,
        /// What the buyer is charged, in cents, fixed when the order is created
        /// (the price in `order.created`). Absent in orders stored before it was kept.
        #[serde(rename = "price", default, skip_serializing_if = "Option::is_none")]
        pub price_cents: Option<i64>,
    }
}

impl Order {
    /// The partial unique index: one order per ticket among the statuses
    /// that hold it. Its violation means `Ticket is already reserved`.
    pub const ONE_LIVE_PER_TICKET: &'static str = "orders_ticket_live";

    /// A new open order of `ticket_id` for `user_id`, lapsing `window` from now.
    pub fn new(user_id: ObjectId, ticket_id: ObjectId, window: Duration) -> Self {
        Self {
            id: ObjectId::generate(),
            version: 0,
            status: OrderStatus::Created,
            user_id,
            expires_at: Timestamp::now().plus(window),
            ticket_id,
            price_cents: None,
        }
    }

    /// This order charging `ticket`'s current price, fixed from now on.
    pub fn priced(self, ticket: &Ticket) -> Self {
        Self { price_cents: Some(ticket.price_cents), ..self }
    }

    /// Whether the order can still be paid or cancelled.
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// `order.created`, carrying the price that will be charged.
    pub fn created_event(&self, ticket: &Ticket) -> OrderCreated {
        OrderCreated {
            id: self.id.clone(),
            version: self.version,
            status: self.status,
            user_id: self.user_id.clone(),
            expires_at: self.expires_at,
            ticket: OrderTicketSnapshot { id: self.ticket_id.clone(), price: ticket.price() },
        }
    }

    /// This order cancelled (next version) and the `order.cancelled` that
    /// announces it, to be written together.
    pub fn cancellation(&self) -> (Self, Outgoing) {
        let cancelled = Self { version: self.version + 1, status: OrderStatus::Cancelled, ..self.clone() };
        let event = OrderCancelled {
            id: cancelled.id.clone(),
            version: cancelled.version,
            ticket: OrderTicketRef { id: cancelled.ticket_id.clone() },
        };
        (cancelled, Outgoing::of(&event))
    }

    /// This order paid (next version). Payments announced it already.
    pub fn completed(&self) -> Self {
        Self { version: self.version + 1, status: OrderStatus::Complete, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use common::money::Cents;
    use serde_json::json;

    use super::*;

    fn ticket() -> Ticket {
        Ticket { id: ObjectId::generate(), version: 3, title: "concert".into(), price_cents: 1999 }
    }

    #[test]
    fn a_new_order_is_created_at_version_zero_and_lapses_after_the_window() {
        let before = Timestamp::now();
        let order = Order::new(ObjectId::generate(), ticket().id, Duration::from_secs(60));
        let after = Timestamp::now();
        assert_eq!((order.version, order.status), (0, OrderStatus::Created));
        assert!(before.plus(Duration::from_secs(60)) <= order.expires_at);
        assert!(order.expires_at <= after.plus(Duration::from_secs(60)));
        assert!(order.is_open());
    }

    #[test]
    fn the_stored_shape_has_a_top_level_ticket_id_for_the_index() {
        let ticket = ticket();
        let order = Order::new(ObjectId::generate(), ticket.id.clone(), Duration::from_secs(60));
        let stored = serde_json::to_value(&order).unwrap();
        assert_eq!(stored["ticketId"], json!(ticket.id));
        assert_eq!(stored["status"], "created");
        assert_eq!(stored["expiresAt"], json!(order.expires_at.to_string()));
    }

    #[test]
    fn order_created_carries_the_replica_price() {
        let ticket = ticket();
        let order = Order::new(ObjectId::generate(), ticket.id.clone(), Duration::from_secs(60));
        let event = order.created_event(&ticket);
        assert_eq!(event.ticket, OrderTicketSnapshot { id: ticket.id, price: Cents(1999) });
        assert_eq!((event.version, event.status), (0, OrderStatus::Created));
        assert_eq!(Outgoing::of(&event).message_id, format!("order.created:{}:0", order.id));
    }

    #[test]
    fn cancelling_moves_to_version_one_with_its_event() {
        let order = Order::new(ObjectId::generate(), ticket().id, Duration::from_secs(60));
        let (cancelled, event) = order.cancellation();
        assert_eq!((cancelled.version, cancelled.status), (1, OrderStatus::Cancelled));
        assert_eq!(Order { version: 0, status: OrderStatus::Created, ..cancelled }, order);
        assert_eq!(event.subject, "order.cancelled");
        assert_eq!(event.message_id, format!("order.cancelled:{}:1", order.id));
        let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload, json!({"id": order.id, "version": 1, "ticket": {"id": order.ticket_id}}));
    }

    #[test]
    fn completing_moves_to_version_one() {
        let order = Order::new(ObjectId::generate(), ticket().id, Duration::from_secs(60));
        let complete = order.completed();
        assert_eq!((complete.version, complete.status), (1, OrderStatus::Complete));
        assert!(!complete.is_open());
    }
}
