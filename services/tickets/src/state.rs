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
    /// Lets a few `GET /api/tickets` build their answer at once. The list is
    /// unpaginated (contract 3.2), so each answer holds the whole catalogue in
    /// memory; the work is CPU-bound, so more at once than there are cores
    /// only multiplies memory (the bench saw 3.6 GiB with 32 connections and
    /// 200k tickets), while the others wait their turn.
    pub list_permits: Arc<Semaphore>,
    /// The live stream's hub, fed from the bus.
    pub live: Live,
}
