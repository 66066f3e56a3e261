//! `order.cancelled` (order O for ticket T): release T if O holds it.

use common::{events::OrderCancelled, events::Outgoing, listener::Outcome};

use crate::{
    state::AppState,
    ticket::{Ticket, Tombstone},
};

/// - T unknown: not yet.
/// - O is tombstoned first, always, so a late or redelivered `order.created`
///   for it is ignored from now on.
/// - T held by O: released (version + 1), `ticket.updated` without `orderId`.
/// - T held by another order or none: the event is stale and changes nothing
///   (the original released the ticket whoever held it, unlocking another
///   buyer's reservation).
pub(crate) async fn handle(state: AppState, event: OrderCancelled) -> anyhow::Result<Outcome> {
    if state.store.get::<Ticket>(&event.ticket.id).await?.is_none() {
        return Ok(Outcome::NotYet);
    }
    state.store.insert_if_absent(&Tombstone { id: event.id.clone(), version: 0 }, &[]).await?;
    loop {
        let Some(ticket) = state.store.get::<Ticket>(&event.ticket.id).await? else {
            return Ok(Outcome::NotYet);
        };
        if ticket.order_id.as_ref() != Some(&event.id) {
            return Ok(Outcome::Done);
        }
        let released = ticket.held_by(None);
        if state.store.update(&released, &[Outgoing::of(&released.updated_event())]).await? {
            tracing::info!(ticket_id = %released.id, order_id = %event.id, "ticket released");
            return Ok(Outcome::Done);
        }
    }
}
