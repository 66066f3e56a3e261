//! `expiration.complete`: a reservation window has passed. What it does is
//! [`crate::expiry::expire`], shared with the sweeper.

use common::{events::ExpirationComplete, listener::Outcome};

use crate::{expiry, state::AppState};

pub(crate) async fn handle(state: AppState, event: ExpirationComplete) -> anyhow::Result<Outcome> {
    Ok(expiry::expire(&state, &event.order_id).await?.outcome())
}
