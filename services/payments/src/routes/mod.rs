//! The HTTP API: one endpoint, `POST /api/payments`, and its description
//! at `GET /api/payments/openapi.json`.

mod create_payment;
mod openapi;

use axum::{Router, routing::post};

pub use self::openapi::document;
use crate::state::AppState;

/// The service's API routes, with their state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/payments", post(create_payment::create_payment))
        .with_state(state)
        .merge(common::openapi::route(openapi::PATH, &document()))
}
