//! The HTTP API (contract 3.2).
//!
//! | Route | File |
//! |---|---|
//! | `GET /api/tickets` | [`list_tickets`] |
//! | `POST /api/tickets` | [`create_ticket`] |
//! | `GET /api/tickets/{id}` | [`show_ticket`] |
//! | `PUT /api/tickets/{id}` | [`update_ticket`] |
//! | `GET /api/tickets/updates` | [`ticket_updates`] |
//! | `GET /api/tickets/openapi.json` | [`openapi`] (this table, described) |

mod create_ticket;
mod fields;
mod json_array;
pub mod list_tickets;
mod openapi;
mod show_ticket;
mod ticket_updates;
mod update_ticket;
mod view;

pub(crate) use view::TicketView;

use axum::{Router, routing::get};

pub use self::openapi::document;
use crate::state::AppState;

/// The service's API routes, with their state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/tickets", get(list_tickets::list_tickets).post(create_ticket::create_ticket))
        // A static segment wins over `{id}`, so `updates` is never taken for an id.
        .route("/api/tickets/updates", get(ticket_updates::ticket_updates))
        .route("/api/tickets/{id}", get(show_ticket::show_ticket).put(update_ticket::update_ticket))
        .with_state(state)
        .merge(common::openapi::route(openapi::PATH, &document()))
}
