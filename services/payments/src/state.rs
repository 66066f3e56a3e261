//! The state every handler and listener shares.

use axum::extract::FromRef;
use common::{session::Sessions, store::Store};

use crate::gateway::StripeGateway;

/// What every handler and listener gets. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// The order replica, payments, attempts, refunds and the outbox.
    pub store: Store,
    /// Reads the caller's session.
    pub sessions: Sessions,
    /// Charges cards.
    pub stripe: StripeGateway,
}
