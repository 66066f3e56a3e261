//! `order.created` (order O for ticket T): reserve T for O.

use common::{events::OrderCreated, events::Outgoing, listener::Outcome};

use crate::{
    state::AppState,
    ticket::{Ticket, Tombstone},
};

/// - T unknown: not yet (its `ticket.created` has not been relayed here).
/// - T held by O, or O already cancelled (tombstoned): done.
/// - T held by another order: not yet; that order's cancellation is already
///   in the stream (orders only lets one order hold a ticket at a time).
/// - Otherwise T is reserved for O (version + 1) and `ticket.updated` with
///   `orderId` is emitted in the same write.
pub(crate) async fn handle(state: AppState, event: OrderCreated) -> anyhow::Result<Outcome> {
    loop {
        let Some(ticket) = state.store.get::<Ticket>(&event.ticket.id).await? else {
            return Ok(Outcome::NotYet);
        };
        if ticket.order_id.as_ref() == Some(&event.id) || state.store.get::<Tombstone>(&event.id).await?.is_some() {
            return Ok(Outcome::Done);
        }
        if ticket.order_id.is_some() {
            return Ok(Outcome::NotYet);
        }
        let reserved = ticket.held_by(Some(event.id.clone()));
        if state.store.update(&reserved, &[Outgoing::of(&reserved.updated_event())]).await? {
            tracing::info!(ticket_id = %reserved.id, order_id = %event.id, "ticket reserved");
            return Ok(Outcome::Done);
        }
        // An owner's edit landed in between: decide again on the new version.
    }
}
