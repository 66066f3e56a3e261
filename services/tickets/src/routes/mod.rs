//! The HTTP API (contract 3.2).
//!
//! | Route | File |
//! |---|---|
//! | `GET /api/tickets` | [`list_tickets`] |
//! | `POST /api/tickets` | [`create_ticket`] |
//! | `GET /api/tickets/{id}` | [`show_ticket`] |
//! | `PUT /api/tickets/{id}` | [`update_ticket`] |

mod create_ticket;
mod fields;
mod json_array;
mod list_tickets;
mod show_ticket;
mod update_ticket;
mod view;

use axum::{Router, routing::get};

use crate::state::AppState;

/// The service's API routes, with their state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/tickets", get(list_tickets::list_tickets).post(create_ticket::create_ticket))
        .route("/api/tickets/{id}", get(show_ticket::show_ticket).put(update_ticket::update_ticket))
        .with_state(state)
}
