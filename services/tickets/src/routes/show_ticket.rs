//! `GET /api/tickets/{id}`: 404 for a malformed or unknown id, else the ticket.

use axum::{Json, extract::State};
use common::{ApiError, Result, extract::IdPath};

use super::view::TicketView;
use crate::{state::AppState, ticket::Ticket};

/// One ticket.
#[utoipa::path(
    get,
    path = "/api/tickets/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id (24 hex); anything else is 404")),
    responses(
        (status = 200, description = "The ticket", body = super::view::TicketView),
        (status = 404, description = "`Not Found`: a malformed or unknown id", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn show_ticket(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<TicketView>> {
    let ticket = state.store.get::<Ticket>(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(ticket.into()))
}
