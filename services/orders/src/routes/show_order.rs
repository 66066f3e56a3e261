//! `GET /api/orders/{orderId}`: 401, 404 (malformed or unknown), 401 for a
//! non-owner, else 200 with the order.

use axum::{Json, extract::State};
use common::{Result, extract::IdPath, session::RequireAuth};
use serde_json::json;

use super::view::{OrderView, owned_order, ticket_of};
use crate::{refund::Refund, state::AppState};

#[utoipa::path(
    get,
    path = "/api/orders/{orderId}",
    tag = "orders",
    params(("orderId" = String, Path, description = "The order's id (24 hex); anything else is 404")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The order", body = super::view::OrderView),
        (status = 401, description = "`Not authorized`: no valid session, or not the buyer", body = common::error::ErrorBody),
        (status = 404, description = "`Not Found`: a malformed or unknown id", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
/// `RequireAuth` runs first, so a malformed id is still 401
/// for anonymous callers.
pub(crate) async fn show_order(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    IdPath(id): IdPath,
) -> Result<Json<OrderView>> {
    let order = owned_order(&state, &user, &id).await?;
    let ticket = ticket_of(&state, &order).await?;
    let refunds = state.store.find::<Refund>(&[("orderId", json!(order.id))]).await?;
    Ok(Json(OrderView::new(order, &ticket).with_refunds(&refunds)))
}
