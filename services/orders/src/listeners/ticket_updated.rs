//! `ticket.updated`: the version-1 rule, then title and price are replaced.

use common::{events::TicketUpdated, listener::Outcome};

use crate::{
    state::AppState,
    ticket::{Ticket, UpdateFit},
};

/// Applies version v when the replica holds v−1; v or later is done; a
/// missing ticket or an older version is not yet (its predecessor is
/// coming), so an early update is retried, never dropped.
pub(crate) async fn handle(state: AppState, event: TicketUpdated) -> anyhow::Result<Outcome> {
    loop {
        let Some(ticket) = state.store.get::<Ticket>(&event.id).await? else {
            return Ok(Outcome::NotYet);
        };
        match ticket.fit(&event) {
            UpdateFit::AlreadyApplied => return Ok(Outcome::Done),
            UpdateFit::TooEarly => return Ok(Outcome::NotYet),
            UpdateFit::Next => {
                if state.store.update(&ticket.updated(&event), &[]).await? {
                    return Ok(Outcome::Done);
                }
                // Another delivery moved the version meanwhile: decide again.
            }
        }
    }
}
