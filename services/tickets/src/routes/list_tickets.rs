//! `GET /api/tickets`: every ticket (reserved and sold too), oldest first.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse as _, Response},
};
use common::Result;

use super::view::TicketView;
use crate::{state::AppState, ticket::Ticket};

pub(crate) async fn list_tickets(State(state): State<AppState>) -> Result<Response> {
    // Never closed, so acquiring cannot fail. The permit is held until the
    // JSON body is written: that is where most of the memory goes, and axum
    // would otherwise serialise a returned `Json` after the permit is gone.
    let _permit = state.list_permits.acquire().await.map_err(anyhow::Error::from)?;
    let tickets = state.store.find::<Ticket>(&[]).await?;
    Ok(Json(tickets.into_iter().map(TicketView::from).collect::<Vec<_>>()).into_response())
}
