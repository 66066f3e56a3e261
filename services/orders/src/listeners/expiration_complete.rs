//! `expiration.complete`: a reservation window has passed.
//!
//! Unknown order: not yet. Cancelled or complete: done (a stale or repeated
//! expiry). Open, but our clock says it is still before `expiresAt`: retried
//! at `expiresAt` (clocks of two services may disagree). Otherwise the order
//! is cancelled (v1) and `order.cancelled` is written with it.

use common::{events::ExpirationComplete, listener::Outcome};

use crate::{order::Order, state::AppState};

pub(crate) async fn handle(state: AppState, event: ExpirationComplete) -> anyhow::Result<Outcome> {
    loop {
        let Some(order) = state.store.get::<Order>(&event.order_id).await? else {
            return Ok(Outcome::NotYet);
        };
        if !order.is_open() {
            return Ok(Outcome::Done);
        }
        if !order.expires_at.is_past() {
            return Ok(Outcome::NotUntil(order.expires_at));
        }
        let (cancelled, cancellation) = order.cancellation();
        if state.store.update(&cancelled, &[cancellation]).await? {
            tracing::info!(order_id = %order.id, ticket_id = %order.ticket_id, "order expired");
            return Ok(Outcome::Done);
        }
        // Cancelled or paid meanwhile: decide again on what is stored now.
    }
}
