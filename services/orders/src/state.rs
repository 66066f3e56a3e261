//! The state every handler and listener shares.

use std::time::Duration;

use axum::extract::FromRef;
use common::{live::Live, session::Sessions, store::Store};

/// What every handler and listener gets. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Orders, the ticket replica, refunds and the outbox.
    pub store: Store,
    /// Reads the caller's session.
    pub sessions: Sessions,
    /// How long a new order holds its ticket.
    pub expiration_window: Duration,
    /// The live stream's hub, fed from the bus.
    pub live: Live,
}
