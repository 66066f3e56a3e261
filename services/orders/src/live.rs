//! What the live stream shows: a buyer's order, as the API answers it, each
//! time it changes, whichever replica changed it (contract 3.5).
//!
//! The bus says which order changed: `order.created` and `order.cancelled`
//! (published by a relay, so after their commit), and `payment.created` and
//! `payment.refunded`, which an orders listener applies *after* they are
//! published. So the order is read from the store until it shows the change
//! (a short, growing wait, given up after about 12 s: the page still shows it
//! on its next load), and sent only to its buyer's streams.

use std::time::Duration;

use common::{
    events::{Event as _, OrderCancelled, OrderCreated, PaymentCreated, PaymentRefunded},
    id::ObjectId,
    live::{Bytes, Update},
    store::Store,
};
use serde::Deserialize;
use serde_json::json;

use crate::{order::Order, refund::Refund, routes::OrderView, ticket::Ticket};

/// The subjects that change an order.
pub const SUBJECTS: &[&str] = &["order.>", "payment.>"];

/// Waits between reads of an order not yet showing its change.
const WAITS_MS: [u64; 9] = [0, 50, 100, 200, 400, 800, 1600, 3200, 6400];

/// What a message says changed, and how to tell the store shows it.
enum Change {
    /// The order reached at least this version (its own events).
    Version(i64),
    /// A payment was applied: the order is no longer open.
    Settled,
    /// This refund was recorded beside it.
    Refund(ObjectId),
}

#[derive(Deserialize)]
struct OrderEvent {
    id: ObjectId,
    version: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentEvent {
    id: ObjectId,
    order_id: ObjectId,
}

/// The update for one message, for the order's buyer; `None` for other
/// subjects, unreadable payloads, and changes the store never showed.
pub async fn translate(store: Store, subject: String, payload: Bytes) -> Option<Update> {
    let (order_id, change) = match subject.as_str() {
        OrderCreated::SUBJECT | OrderCancelled::SUBJECT => {
            let event: OrderEvent = serde_json::from_slice(&payload).ok()?;
            (event.id, Change::Version(event.version))
        }
        PaymentCreated::SUBJECT => (serde_json::from_slice::<PaymentEvent>(&payload).ok()?.order_id, Change::Settled),
        PaymentRefunded::SUBJECT => {
            let event: PaymentEvent = serde_json::from_slice(&payload).ok()?;
            (event.order_id, Change::Refund(event.id))
        }
        _ => return None,
    };
    for wait in WAITS_MS {
        tokio::time::sleep(Duration::from_millis(wait)).await;
        match current(&store, &order_id, &change).await {
            Ok(Some(update)) => return Some(update),
            Ok(None) => {}
            Err(error) => tracing::debug!(error = format!("{error:#}"), "live update: cannot read the order yet"),
        }
    }
    tracing::debug!(order_id = %order_id, subject, "live update: the change never showed; skipped");
    None
}

/// The order's view once the store shows `change`.
async fn current(store: &Store, id: &ObjectId, change: &Change) -> anyhow::Result<Option<Update>> {
    let Some(order) = store.get::<Order>(id).await? else { return Ok(None) };
    let refunds = store.find::<Refund>(&[("orderId", json!(id))]).await?;
    let shows = match change {
        Change::Version(version) => order.version >= *version,
        Change::Settled => !order.is_open(),
        Change::Refund(refund) => refunds.iter().any(|r| &r.id == refund),
    };
    if !shows {
        return Ok(None);
    }
    let Some(ticket) = store.get::<Ticket>(&order.ticket_id).await? else { return Ok(None) };
    let audience = Some(order.user_id.clone());
    let data = serde_json::to_string(&OrderView::new(order, &ticket).with_refunds(&refunds))?;
    Ok(Some(Update { audience, data: data.into() }))
}
