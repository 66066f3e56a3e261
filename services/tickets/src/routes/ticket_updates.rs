//! `GET /api/tickets/updates` (added): Server-Sent Events, `event: ticket`
//! with the Ticket JSON for every change committed after the stream opened,
//! by any replica (see [`crate::live`]). Anyone may listen: the list is public.

use axum::{extract::State, response::Response};
use common::live::Live;

pub(crate) async fn ticket_updates(State(live): State<Live>) -> Response {
    live.stream(None)
}
