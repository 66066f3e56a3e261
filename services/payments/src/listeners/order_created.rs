//! `order.created`: insert the replica if absent; a duplicate is done.

use common::{events::OrderCreated, listener::Outcome};

use crate::{order::Order, state::AppState};

/// Inserts `{id, userId, price, status, expiresAt, version 0}` unless known.
pub(crate) async fn handle(state: AppState, event: OrderCreated) -> anyhow::Result<Outcome> {
    if state.store.get::<Order>(&event.id).await?.is_some() {
        return Ok(Outcome::Done);
    }
    match state.store.insert(&Order::from_created(&event), &[]).await {
        Ok(()) => Ok(Outcome::Done),
        // Another replica's delivery inserted it in between: same order.
        Err(error) if error.is_duplicate("id") => Ok(Outcome::Done),
        Err(error) => Err(error.into()),
    }
}
