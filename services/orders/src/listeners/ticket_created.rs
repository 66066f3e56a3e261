//! `ticket.created`: insert the replica if absent; otherwise done.

use common::{events::TicketCreated, listener::Outcome};

use crate::{state::AppState, ticket::Ticket};

/// Inserts `{id, title, price, version 0}` unless the ticket is known.
pub(crate) async fn handle(state: AppState, event: TicketCreated) -> anyhow::Result<Outcome> {
    if state.store.get::<Ticket>(&event.id).await?.is_some() {
        return Ok(Outcome::Done);
    }
    match state.store.insert(&Ticket::from_created(&event), &[]).await {
        Ok(()) => Ok(Outcome::Done),
        // Another replica's delivery inserted it in between: same ticket.
        Err(error) if error.is_duplicate("id") => Ok(Outcome::Done),
        Err(error) => Err(error.into()),
    }
}
