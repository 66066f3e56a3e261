//! `DELETE /api/orders/{orderId}`: steps 1–3 as for GET, then
//! 4. 400 `Cannot cancel a completed order`;
//! 5. 204: an open order becomes `cancelled` v1 with `order.cancelled`; an
//!    already cancelled order is left as it is, with no second event (a
//!    second `order.cancelled` could release another buyer's reservation).

use axum::{extract::State, http::StatusCode};
use common::{ApiError, Result, events::OrderStatus, extract::IdPath, session::RequireAuth};

use super::view::owned_order;
use crate::state::AppState;

const COMPLETED: &str = "Cannot cancel a completed order";

/// Cancels an open order.
#[utoipa::path(
    delete,
    path = "/api/orders/{orderId}",
    tag = "orders",
    params(("orderId" = String, Path, description = "The order's id (24 hex); anything else is 404")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Cancelled (or already was); emits `order.cancelled` once"),
        (status = 400, description = "`Cannot cancel a completed order`", body = common::error::ErrorBody),
        (status = 401, description = "`Not authorized`: no valid session, or not the buyer", body = common::error::ErrorBody),
        (status = 404, description = "`Not Found`: a malformed or unknown id", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn cancel_order(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    IdPath(id): IdPath,
) -> Result<StatusCode> {
    loop {
        let order = owned_order(&state, &user, &id).await?;
        match order.status {
            OrderStatus::Complete => return Err(ApiError::bad_request(COMPLETED)),
            OrderStatus::Cancelled => return Ok(StatusCode::NO_CONTENT),
            OrderStatus::Created | OrderStatus::AwaitingPayment => {
                let (cancelled, event) = order.cancellation();
                if state.store.update(&cancelled, &[event]).await? {
                    tracing::info!(order_id = %order.id, ticket_id = %order.ticket_id, "order cancelled by its buyer");
                    return Ok(StatusCode::NO_CONTENT);
                }
                // An expiry or a payment moved it meanwhile: decide again on
                // what is stored now (versions only grow, so this ends).
            }
        }
    }
}
