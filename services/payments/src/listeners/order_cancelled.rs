//! `order.cancelled`: the version-1 rule, then the replica is `cancelled`,
//! and every charge already made for the order is refunded (`settle`).

use common::{events::OrderCancelled, listener::Outcome, store::UpdateFit};

use crate::{order::Order, settle, state::AppState};

/// Applies version v when the replica holds v−1; v or later is done; a
/// missing order or an older version is not yet (its predecessor is coming).
/// The refunds run once the replica says cancelled, on every delivery, so a
/// redelivery after a crash finishes them.
pub(crate) async fn handle(state: AppState, event: OrderCancelled) -> anyhow::Result<Outcome> {
    loop {
        let Some(order) = state.store.get::<Order>(&event.id).await? else {
            return Ok(Outcome::NotYet);
        };
        match UpdateFit::of(order.version, event.version) {
            UpdateFit::AlreadyApplied => {
                settle::refund_cancelled(&state, &order.id).await?;
                return Ok(Outcome::Done);
            }
            UpdateFit::TooEarly => return Ok(Outcome::NotYet),
            UpdateFit::Next => {
                if state.store.update(&order.cancelled(event.version), &[]).await? {
                    settle::refund_cancelled(&state, &order.id).await?;
                    return Ok(Outcome::Done);
                }
                // Someone else moved the version meanwhile: decide again on
                // what is stored now (it only ever grows, so this ends).
            }
        }
    }
}
