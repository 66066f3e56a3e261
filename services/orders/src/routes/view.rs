//! The Order as the API shows it, and the lookups the routes share.

use common::{
    ApiError, Result, events::OrderStatus, id::ObjectId, money::Cents, session::UserPayload, timestamp::Timestamp,
};
use serde::Serialize;

use crate::{order::Order, state::AppState, ticket::Ticket};

/// `{"id","status","userId","expiresAt","version","ticket":{…}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderView {
    id: ObjectId,
    status: OrderStatus,
    user_id: ObjectId,
    expires_at: Timestamp,
    version: i64,
    ticket: TicketView,
}

/// The embedded ticket, with the replica's current values.
#[derive(Debug, Serialize)]
pub(crate) struct TicketView {
    id: ObjectId,
    title: String,
    price: Cents,
    version: i64,
}

impl OrderView {
    /// `order` with `ticket` embedded.
    pub(crate) fn new(order: Order, ticket: &Ticket) -> Self {
        Self {
            id: order.id,
            status: order.status,
            user_id: order.user_id,
            expires_at: order.expires_at,
            version: order.version,
            ticket: TicketView {
                id: ticket.id.clone(),
                title: ticket.title.clone(),
                price: ticket.price(),
                version: ticket.version,
            },
        }
    }
}

/// The ticket an order holds. Orders are only taken on replicated tickets
/// and the replica never forgets one, so a miss is a damaged store (500).
pub(crate) async fn ticket_of(state: &AppState, order: &Order) -> Result<Ticket> {
    state.store.get::<Ticket>(&order.ticket_id).await?.ok_or_else(|| {
        ApiError::Unexpected(anyhow::anyhow!(
            "order {} refers to ticket {}, missing from the replica",
            order.id,
            order.ticket_id
        ))
    })
}

/// Order `id` if it exists (else 404) and belongs to `user` (else 401).
pub(crate) async fn owned_order(state: &AppState, user: &UserPayload, id: &ObjectId) -> Result<Order> {
    let order = state.store.get::<Order>(id).await?.ok_or(ApiError::NotFound)?;
    if order.user_id != user.id {
        return Err(ApiError::NotAuthorized);
    }
    Ok(order)
}
