//! `GET /api/orders/updates` (added): Server-Sent Events, `event: order`
//! with the Order JSON each time one of the caller's orders changes after
//! the stream opened (see [`crate::live`]). 401 for anonymous callers.

use axum::{extract::State, response::Response};
use common::{live::Live, session::RequireAuth};

pub(crate) async fn order_updates(State(live): State<Live>, RequireAuth(user): RequireAuth) -> Response {
    live.stream(Some(user.id))
}
