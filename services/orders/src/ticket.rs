//! The ticket replica: what orders knows about each ticket, from events.
//!
//! The tickets service owns tickets; orders keeps the id, title, price and
//! version, enough to take an order and to show it. Versions follow the
//! owner's exactly (the version-1 rule, contract 4.4), so an update that
//! arrives before its predecessor waits instead of overwriting newer data.

use common::{
    events::{TicketCreated, TicketUpdated},
    money::Cents,
};

/// The version-1 rule's verdicts, shared with payments' order replica.
pub use common::store::UpdateFit;

common::document! {
    /// One ticket as orders sees it, at the ticket's version in the tickets
    /// service.
    #[derive(Debug)]
    pub struct Ticket in "tickets" {
        /// Current title.
        pub title: String,
        /// Current price, in cents (never a float in the store).
        #[serde(rename = "price")]
        pub price_cents: i64,
    }
}

impl Ticket {
    /// The replica of a newly listed ticket (version 0).
    pub fn from_created(event: &TicketCreated) -> Self {
        Self { id: event.id.clone(), version: event.version, title: event.title.clone(), price_cents: event.price.0 }
    }

    /// The version-1 rule for `event` against this replica.
    pub fn fit(&self, event: &TicketUpdated) -> UpdateFit {
        UpdateFit::of(self.version, event.version)
    }

    /// This replica with `event` applied: its version, title and price.
    pub fn updated(&self, event: &TicketUpdated) -> Self {
        Self { version: event.version, title: event.title.clone(), price_cents: event.price.0, ..self.clone() }
    }

    /// The price as the wire shows it.
    pub fn price(&self) -> Cents {
        Cents(self.price_cents)
    }
}

#[cfg(test)]
mod tests {
    use common::id::ObjectId;

    use super::*;

    fn created() -> TicketCreated {
        TicketCreated {
            id: ObjectId::generate(),
            version: 0,
            title: "concert".into(),
            price: Cents(1999),
            user_id: ObjectId::generate(),
        }
    }

    fn update(of: &TicketCreated, version: i64) -> TicketUpdated {
        TicketUpdated {
            id: of.id.clone(),
            version,
            title: format!("concert v{version}"),
            price: Cents(2500),
            user_id: of.user_id.clone(),
            order_id: None,
            status: None,
        }
    }

    #[test]
    fn the_replica_stores_the_price_in_exact_cents() {
        let ticket = Ticket::from_created(&created());
        let stored = serde_json::to_value(&ticket).unwrap();
        assert_eq!(stored["price"], serde_json::json!(1999), "integer cents, never a float");
        assert_eq!((stored["version"].as_i64(), stored["title"].as_str()), (Some(0), Some("concert")));
        assert_eq!(serde_json::to_value(ticket.price()).unwrap(), serde_json::json!(19.99));
    }

    #[test]
    fn only_the_next_version_applies() {
        let event = created();
        let ticket = Ticket::from_created(&event);
        assert_eq!(ticket.fit(&update(&event, 1)), UpdateFit::Next);
        assert_eq!(ticket.fit(&update(&event, 2)), UpdateFit::TooEarly);
        assert_eq!(ticket.fit(&update(&event, 0)), UpdateFit::AlreadyApplied);
        let at_one = ticket.updated(&update(&event, 1));
        assert_eq!(at_one.fit(&update(&event, 1)), UpdateFit::AlreadyApplied);
        assert_eq!(at_one.fit(&update(&event, 2)), UpdateFit::Next);
    }

    #[test]
    fn an_update_replaces_title_price_and_version_only() {
        let event = created();
        let ticket = Ticket::from_created(&event);
        let updated = ticket.updated(&update(&event, 1));
        assert_eq!(updated, Ticket { id: event.id, version: 1, title: "concert v1".into(), price_cents: 2500 });
    }
}
