//! `GET /api/tickets`: every ticket (reserved and sold too), oldest first.

use axum::{Json, extract::State};
use common::Result;

use super::view::TicketView;
use crate::{startup::AppState, ticket::Ticket};

/// The handler.
pub(crate) async fn list_tickets(State(state): State<AppState>) -> Result<Json<Vec<TicketView>>> {
    let tickets = state.store.find::<Ticket>(&[]).await?;
    Ok(Json(tickets.into_iter().map(TicketView::from).collect()))
}
