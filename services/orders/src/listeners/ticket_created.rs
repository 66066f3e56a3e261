//! `ticket.created`: insert the replica if absent; otherwise done.

use common::{events::TicketCreated, listener::Outcome};

use crate::{state::AppState, ticket::Ticket};

/// Inserts `{id, title, price, version 0}` unless the ticket is known (a
/// redelivery, or another replica's delivery in between: the same ticket).
pub(crate) async fn handle(state: AppState, event: TicketCreated) -> anyhow::Result<Outcome> {
    state.store.insert_if_absent(&Ticket::from_created(&event), &[]).await?;
    Ok(Outcome::Done)
}
