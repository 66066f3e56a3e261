//! What the API answers with, as the pages read it.

use serde::{Deserialize, Serialize};

/// `GET /api/users/currentuser`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentUserReply {
    /// The signed-in visitor, or `None`.
    pub current_user: Option<User>,
}

/// A signed-in visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// 24-hex id.
    pub id: String,
    /// Lower-cased email.
    pub email: String,
}

/// A ticket for sale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// 24-hex id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Dollars, as the API writes them (`20`, `12.5`).
    pub price: f64,
    /// The seller.
    pub user_id: String,
    /// Moves on every change; a live update older than what is shown is ignored.
    #[serde(default)]
    pub version: i64,
    /// Set while an order holds the ticket (and once it is sold).
    #[serde(default)]
    pub order_id: Option<String>,
    /// `available`, `reserved` or `sold` (absent from an older tickets
    /// service: read from `orderId`).
    #[serde(default)]
    pub status: Option<String>,
}

impl Ticket {
    /// `available`, `reserved` or `sold`.
    pub fn status(&self) -> &str {
        self.status.as_deref().unwrap_or(if self.order_id.is_some() { "reserved" } else { "available" })
    }

    /// The word shown beside a ticket that cannot be bought.
    pub fn status_word(&self) -> Option<&'static str> {
        match self.status() {
            "sold" => Some("Sold"),
            "reserved" => Some("Reserved"),
            _ => None,
        }
    }
}

/// A buyer's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// 24-hex id.
    pub id: String,
    /// `created`, `awaiting:payment`, `cancelled` or `complete`.
    pub status: String,
    /// When the reservation lapses (ISO-8601, UTC).
    pub expires_at: String,
    /// The ticket, as orders last heard of it.
    pub ticket: OrderTicket,
    /// Dollars charged for it, fixed when the order was made (absent from
    /// an older orders service: the ticket's price stands in).
    #[serde(default)]
    pub price: Option<f64>,
    /// Dollars given back after a charge could not be delivered.
    #[serde(default)]
    pub refunded_amount: Option<f64>,
}

impl Order {
    /// What the buyer pays: the order's own price, never a later ticket price.
    pub fn charged(&self) -> f64 {
        self.price.unwrap_or(self.ticket.price)
    }
}

/// The ticket inside an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderTicket {
    /// 24-hex id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Dollars.
    pub price: f64,
}

/// `POST /api/payments` on success.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment's id.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reserved_ticket_carries_its_order() {
        let ticket: Ticket = serde_json::from_str(
            r#"{"id":"a","title":"Concert","price":19.99,"userId":"u","version":1,"orderId":"o"}"#,
        )
        .unwrap();
        assert_eq!(ticket.order_id.as_deref(), Some("o"));
        assert!((ticket.price - 19.99).abs() < f64::EPSILON);
        assert_eq!(ticket.status_word(), Some("Reserved"), "an older service's reserved ticket");
        let sold: Ticket = serde_json::from_str(
            r#"{"id":"a","title":"Concert","price":20,"userId":"u","version":2,"orderId":"o","status":"sold"}"#,
        )
        .unwrap();
        assert_eq!(sold.status_word(), Some("Sold"));
    }

    #[test]
    fn an_order_is_charged_its_own_price_and_shows_its_refund() {
        let ticket = r#""ticket":{"id":"t","title":"concert","price":25.5}"#;
        let order: Order = serde_json::from_str(&format!(
            r#"{{"id":"o","status":"cancelled","expiresAt":"x",{ticket},"price":20,"refundedAmount":20}}"#
        ))
        .unwrap();
        assert_eq!((order.charged(), order.refunded_amount), (20.0, Some(20.0)));
        let older: Order =
            serde_json::from_str(&format!(r#"{{"id":"o","status":"created","expiresAt":"x",{ticket}}}"#)).unwrap();
        assert_eq!((older.charged(), older.refunded_amount), (25.5, None), "without a price, the ticket's");
    }
}
