//! `payment.created` (order O paid): the ticket O holds is sold.
//!
//! A separate durable consumer (`tickets-payments`) delivers it, because a
//! consumer honours one filter and `tickets-service` filters on `order.>`.
//! The two consumers are not ordered against each other, and need not be:
//! whichever of a racing payment and cancellation of O comes first, the
//! ticket ends available (see the rules below).

use common::{
    events::{Outgoing, PaymentCreated},
    listener::Outcome,
};
use serde_json::json;

use crate::{
    state::AppState,
    ticket::{Ticket, Tombstone},
};

/// - A ticket held by O and not yet sold: sold (version + 1), `ticket.updated`
///   with `orderId` and `status: sold`.
/// - Already sold to O: done (a redelivery).
/// - No ticket holds O, and O was cancelled (tombstoned): done. The payment
///   raced the expiry and lost; payments refunds it, and the ticket was
///   released by `order.cancelled`.
/// - No ticket holds O yet: not yet (`order.created` is still on its way).
pub(crate) async fn handle(state: AppState, event: PaymentCreated) -> anyhow::Result<Outcome> {
    loop {
        let held = state.store.find::<Ticket>(&[("orderId", json!(event.order_id))]).await?;
        let Some(ticket) = held.into_iter().next() else {
            let cancelled = state.store.get::<Tombstone>(&event.order_id).await?.is_some();
            return Ok(if cancelled { Outcome::Done } else { Outcome::NotYet });
        };
        if ticket.sold {
            return Ok(Outcome::Done);
        }
        let sold = ticket.sold();
        if state.store.update(&sold, &[Outgoing::of(&sold.updated_event())]).await? {
            tracing::info!(ticket_id = %sold.id, order_id = %event.order_id, "ticket sold");
            return Ok(Outcome::Done);
        }
        // A release landed in between: decide again.
    }
}
