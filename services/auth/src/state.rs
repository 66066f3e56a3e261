//! The state every handler and listener shares.

use axum::extract::FromRef;
use common::{session::Sessions, store::Store};

use crate::{client_addr::TrustedHops, limits::RateLimits, password::Passwords};

/// What every handler gets. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Users.
    pub store: Store,
    /// Issues, reads and clears session cookies.
    pub sessions: Sessions,
    /// Hashes and verifies passwords off the async threads.
    pub passwords: Passwords,
    /// Sign-in rate limits, shared by every replica through Redis.
    pub limits: RateLimits,
    /// How the client address is read (see [`crate::client_addr`]).
    pub trusted_hops: TrustedHops,
}
