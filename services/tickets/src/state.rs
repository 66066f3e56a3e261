//! The state every handler and listener shares.

use std::sync::Arc;

use axum::extract::FromRef;
use common::{live::Live, session::Sessions, store::Store};
use tokio::sync::Semaphore;

/// What every handler and listener gets. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Tickets, tombstones and the outbox.
    pub store: Store,
    /// Reads the caller's session.
    pub sessions: Sessions,
    /// Bounds how many `GET /api/tickets` answers are written at once
    /// (`routes::list_tickets::LISTS_PER_CORE` per core). Each holds one store
    /// batch in memory, whatever the catalogue, so the bound is generous: a
    /// reader waiting for a permit gets no first byte, and a whole-list
    /// reader holds its permit for seconds at 265k tickets.
    pub list_permits: Arc<Semaphore>,
    /// The live stream's hub, fed from the bus.
    pub live: Live,
}
