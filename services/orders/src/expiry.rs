//! Expiring an order: the one code path behind both `expiration.complete`
//! (the expiration service's job) and the sweeper (its safety net when that
//! job or its event was lost), so both make the same state change and write
//! the same `order.cancelled` through the outbox.
//!
//! Unknown order: not yet. Cancelled or complete: done (a stale or repeated
//! expiry). Open, but our clock says it is still before `expiresAt`: not
//! until `expiresAt` (clocks of two services may disagree). Otherwise the
//! order is cancelled (v1) with a version-checked update, so concurrent
//! expirers (a replica's sweeper, the listener, a buyer paying) cannot both
//! win.

use common::{id::ObjectId, listener::Outcome, timestamp::Timestamp};

use crate::{order::Order, state::AppState};

/// What expiring an order did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Cancelled now, `order.cancelled` written with it.
    Cancelled,
    /// Already cancelled or complete: nothing to do.
    Closed,
    /// No such order (yet).
    Unknown,
    /// Still open and not due before this instant.
    NotUntil(Timestamp),
}

impl Expiry {
    /// What the listener does with the message.
    pub(crate) fn outcome(self) -> Outcome {
        match self {
            Self::Cancelled | Self::Closed => Outcome::Done,
            Self::Unknown => Outcome::NotYet,
            Self::NotUntil(at) => Outcome::NotUntil(at),
        }
    }
}

/// Cancels `order_id` if it is still open and its window has passed.
pub(crate) async fn expire(state: &AppState, order_id: &ObjectId) -> anyhow::Result<Expiry> {
    loop {
        let Some(order) = state.store.get::<Order>(order_id).await? else {
            return Ok(Expiry::Unknown);
        };
        if !order.is_open() {
            return Ok(Expiry::Closed);
        }
        if !order.expires_at.is_past() {
            return Ok(Expiry::NotUntil(order.expires_at));
        }
        let (cancelled, cancellation) = order.cancellation();
        if state.store.update(&cancelled, &[cancellation]).await? {
            tracing::info!(order_id = %order.id, ticket_id = %order.ticket_id, "order expired");
            return Ok(Expiry::Cancelled);
        }
        // Cancelled or paid meanwhile: decide again on what is stored now.
    }
}
