//! `GET /api/tickets/updates` (added): Server-Sent Events, `event: ticket`
//! with the Ticket JSON for every change committed after the stream opened,
//! by any replica (see [`crate::live`]). Anyone may listen: the list is public.

use axum::{extract::State, response::Response};
use common::live::Live;

#[utoipa::path(
    get,
    path = "/api/tickets/updates",
    tag = "tickets",
    responses(
        (status = 200, description = "Server-Sent Events (contract 3.5): `event: ticket`, `data:` the Ticket JSON, for every change after the stream opened; a comment every 15 s while idle", content_type = "text/event-stream", body = String),
        (status = 503, description = "`Service unavailable`: the process has just started and does not follow the bus yet (contract 3.5); retry", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn ticket_updates(State(live): State<Live>) -> Response {
    live.stream(None).await
}
