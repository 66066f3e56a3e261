//! `GET /api/tickets`: every ticket (reserved and sold too), oldest first.

use axum::{Json, extract::State};
use common::Result;

use super::view::TicketView;
use crate::{startup::AppState, ticket::Ticket};

/// The handler.
pub(crate) async fn list_tickets(State(state): State<AppState>) -> Result<Json<Vec<TicketView>>> {
    // Never closed, so acquiring cannot fail; held until the body is built.
    let _permit = state.list_permits.acquire().await.map_err(anyhow::Error::from)?;
    let tickets = state.store.find::<Ticket>(&[]).await?;
    Ok(Json(tickets.into_iter().map(TicketView::from).collect()))
}
