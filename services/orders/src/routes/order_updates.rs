//! `GET /api/orders/updates` (added): Server-Sent Events, `event: order`
//! with the Order JSON each time one of the caller's orders changes after
//! the stream opened (see [`crate::live`]). 401 for anonymous callers.

use axum::{extract::State, response::Response};
use common::{live::Live, session::RequireAuth};

#[utoipa::path(
    get,
    path = "/api/orders/updates",
    tag = "orders",
    security(("session" = [])),
    responses(
        (status = 200, description = "Server-Sent Events (contract 3.5): `event: order`, `data:` the Order JSON, each time one of the caller's orders changes after the stream opened", content_type = "text/event-stream", body = String),
        (status = 401, description = "`Not authorized`: no valid session", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the process has just started and does not follow the bus yet (contract 3.5); retry", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn order_updates(State(live): State<Live>, RequireAuth(user): RequireAuth) -> Response {
    live.stream(Some(user.id)).await
}
