//! The state every handler and listener shares.

use axum::extract::FromRef;
use common::{session::Sessions, store::Store};

use crate::password::Passwords;

/// What every handler gets. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Users.
    pub store: Store,
    /// Issues, reads and clears session cookies.
    pub sessions: Sessions,
    /// Hashes and verifies passwords off the async threads.
    pub passwords: Passwords,
}
