//! `GET /api/tickets/{id}`: 404 for a malformed or unknown id, else the ticket.

use axum::{Json, extract::State};
use common::{ApiError, Result, extract::IdPath};

use super::view::TicketView;
use crate::{state::AppState, ticket::Ticket};

pub(crate) async fn show_ticket(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<TicketView>> {
    let ticket = state.store.get::<Ticket>(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(ticket.into()))
}
