//! The HTTP API: one endpoint, `POST /api/payments`.

mod create_payment;

use axum::{Router, routing::post};

use crate::state::AppState;

/// The service's API routes, with their state.
pub fn router(state: AppState) -> Router {
    Router::new().route("/api/payments", post(create_payment::create_payment)).with_state(state)
}
