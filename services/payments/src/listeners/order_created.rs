//! `order.created`: insert the replica if absent; a duplicate is done.

use common::{events::OrderCreated, listener::Outcome};

use crate::{order::Order, state::AppState};

/// Inserts `{id, userId, price, status, expiresAt, version 0}` unless known
/// (a redelivery, or another replica's delivery in between: the same order).
pub(crate) async fn handle(state: AppState, event: OrderCreated) -> anyhow::Result<Outcome> {
    state.store.insert_if_absent(&Order::from_created(&event), &[]).await?;
    Ok(Outcome::Done)
}
