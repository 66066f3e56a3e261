//! `GET /api/orders`: the caller's orders in every status, oldest first,
//! each with its ticket's current replica values, its price and refunds.

use std::collections::HashMap;

use axum::{Json, extract::State};
use common::{Result, id::ObjectId, session::RequireAuth};
use serde_json::json;

use super::view::{OrderView, ticket_of};
use crate::{order::Order, refund::Refund, state::AppState, ticket::Ticket};

/// The caller's orders.
#[utoipa::path(
    get,
    path = "/api/orders",
    tag = "orders",
    security(("session" = [])),
    responses(
        (status = 200, description = "The caller's orders in every status, oldest first", body = [super::view::OrderView]),
        (status = 401, description = "`Not authorized`: no valid session", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn list_orders(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
) -> Result<Json<Vec<OrderView>>> {
    let orders = state.store.find::<Order>(&[("userId", json!(user.id))]).await?;
    let refunds = state.store.find::<Refund>(&[("userId", json!(user.id))]).await?;
    // A buyer may hold several orders of one ticket (cancelled, then again).
    let mut tickets: HashMap<ObjectId, Ticket> = HashMap::new();
    let mut views = Vec::with_capacity(orders.len());
    for order in orders {
        let ticket = match tickets.get(&order.ticket_id) {
            Some(ticket) => ticket.clone(),
            None => {
                let ticket = ticket_of(&state, &order).await?;
                tickets.insert(order.ticket_id.clone(), ticket.clone());
                ticket
            }
        };
        views.push(OrderView::new(order, &ticket).with_refunds(&refunds));
    }
    Ok(Json(views))
}
