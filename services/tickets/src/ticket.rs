//! Tickets, tombstones of cancelled orders, and the events a ticket emits.
//!
//! A ticket is available, reserved (`orderId` set) or sold (`orderId` set and
//! `sold`, once `payment.created` names that order). A sale is undone only by
//! the order's `order.cancelled`, which comes when a payment raced the expiry
//! and lost (payments then refunds it): the ticket is released as usual.
//! Every change moves `version` by one and emits an event with the new
//! version, so replicas can apply them strictly in order (contract 4.5).

use common::{
    events::{TicketCreated, TicketStatus, TicketUpdated},
    id::ObjectId,
    money::Cents,
    store::Index,
};

common::document! {
    /// A ticket for sale. Its id is generated here (replicas reuse it); its
    /// version is 0 when created, +1 on every change.
    #[derive(Debug)]
    pub struct Ticket in "tickets" indexed [
        // `payment.created` names an order: this finds the ticket it holds.
        Index { name: "tickets_order_id", field: "orderId", unique: false, only_when: None },
    ] {
        /// Trimmed, non-empty.
        pub title: String,
        /// In cents, never a float in the store.
        #[serde(rename = "price")]
        pub price_cents: i64,
        /// The seller.
        pub user_id: ObjectId,
        /// The order holding it, while reserved (and for good once sold).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub order_id: Option<ObjectId>,
        /// Whether the holding order was paid. Stored only when true, so the
        /// list's filters find unsold tickets as those without the field, old
        /// documents included.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub sold: bool,
    }
}

impl Ticket {
    /// A new, free ticket at version 0.
    pub fn new(title: String, price: Cents, seller: ObjectId) -> Self {
        Self {
            id: ObjectId::generate(),
            version: 0,
            title,
            price_cents: price.0,
            user_id: seller,
            order_id: None,
            sold: false,
        }
    }

    /// The next version with `title` and `price` (an owner's edit).
    pub fn edited(&self, title: String, price: Cents) -> Self {
        Self { version: self.version + 1, title, price_cents: price.0, ..self.clone() }
    }

    /// The next version, held by `order` (or released with `None`), unsold.
    pub fn held_by(&self, order: Option<ObjectId>) -> Self {
        Self { version: self.version + 1, order_id: order, sold: false, ..self.clone() }
    }

    /// The next version, sold to the order that holds it.
    pub fn sold(&self) -> Self {
        Self { version: self.version + 1, sold: true, ..self.clone() }
    }

    /// Available, reserved or sold.
    pub fn status(&self) -> TicketStatus {
        match (&self.order_id, self.sold) {
            (None, _) => TicketStatus::Available,
            (Some(_), false) => TicketStatus::Reserved,
            (Some(_), true) => TicketStatus::Sold,
        }
    }

    /// The price on the wire.
    pub fn price(&self) -> Cents {
        Cents(self.price_cents)
    }

    /// `ticket.created` for this (version 0) ticket.
    pub fn created_event(&self) -> TicketCreated {
        TicketCreated {
            id: self.id.clone(),
            version: self.version,
            title: self.title.clone(),
            price: self.price(),
            user_id: self.user_id.clone(),
        }
    }

    /// `ticket.updated` for this version; `orderId` exactly while reserved.
    pub fn updated_event(&self) -> TicketUpdated {
        TicketUpdated {
            id: self.id.clone(),
            version: self.version,
            title: self.title.clone(),
            price: self.price(),
            user_id: self.user_id.clone(),
            order_id: self.order_id.clone(),
            status: Some(self.status()),
        }
    }
}

common::document! {
    /// A cancelled order (its id), remembered so that a late or redelivered
    /// `order.created` for it can never reserve a ticket again; always
    /// version 0.
    #[derive(Debug)]
    pub struct Tombstone in "tombstones" {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_stored_as_integer_cents() {
        let ticket = Ticket::new("concert".into(), Cents(1999), ObjectId::generate());
        let stored = serde_json::to_value(&ticket).unwrap();
        assert_eq!(stored["price"], serde_json::json!(1999));
        assert!(stored.get("orderId").is_none(), "a free ticket has no orderId at all");
        assert_eq!(serde_json::to_value(ticket.created_event()).unwrap()["price"], serde_json::json!(19.99));
    }

    #[test]
    fn every_change_moves_the_version_by_one() {
        let ticket = Ticket::new("concert".into(), Cents(2000), ObjectId::generate());
        let order = ObjectId::generate();
        let reserved = ticket.held_by(Some(order.clone()));
        assert_eq!((reserved.version, reserved.updated_event().order_id), (1, Some(order)));
        let released = reserved.held_by(None);
        assert_eq!((released.version, released.updated_event().order_id), (2, None));
        let edited = released.edited("opera".into(), Cents(50));
        assert_eq!((edited.version, edited.title.as_str(), edited.price_cents), (3, "opera", 50));
    }

    #[test]
    fn a_paid_reservation_is_sold_until_its_order_is_cancelled() {
        let ticket = Ticket::new("concert".into(), Cents(2000), ObjectId::generate());
        assert_eq!(ticket.status(), TicketStatus::Available);
        let reserved = ticket.held_by(Some(ObjectId::generate()));
        assert_eq!(reserved.status(), TicketStatus::Reserved);
        let sold = reserved.sold();
        assert_eq!(
            (sold.version, sold.status(), sold.updated_event().status),
            (2, TicketStatus::Sold, Some(TicketStatus::Sold))
        );
        assert_eq!(serde_json::to_value(&sold).unwrap()["sold"], serde_json::json!(true));
        assert!(serde_json::to_value(&reserved).unwrap().get("sold").is_none(), "unsold tickets do not store the flag");
        let released = sold.held_by(None);
        assert_eq!((released.version, released.status()), (3, TicketStatus::Available));
    }
}
