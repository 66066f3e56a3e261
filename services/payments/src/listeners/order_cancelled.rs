//! `order.cancelled`: the version-1 rule, then the replica is `cancelled`.

use common::{events::OrderCancelled, listener::Outcome, store::UpdateFit};

use crate::{order::Order, state::AppState};

/// Applies version v when the replica holds v−1; v or later is done; a
/// missing order or an older version is not yet (its predecessor is coming).
pub(crate) async fn handle(state: AppState, event: OrderCancelled) -> anyhow::Result<Outcome> {
    loop {
        let Some(order) = state.store.get::<Order>(&event.id).await? else {
            return Ok(Outcome::NotYet);
        };
        match UpdateFit::of(order.version, event.version) {
            UpdateFit::AlreadyApplied => return Ok(Outcome::Done),
            UpdateFit::TooEarly => return Ok(Outcome::NotYet),
            UpdateFit::Next => {
                if state.store.update(&order.cancelled(event.version), &[]).await? {
                    return Ok(Outcome::Done);
                }
                // Someone else moved the version meanwhile: decide again on
                // what is stored now (it only ever grows, so this ends).
            }
        }
    }
}
