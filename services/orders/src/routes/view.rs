//! The Order as the API shows it, and the lookups the routes share.

use common::{
    ApiError, Result, events::OrderStatus, id::ObjectId, money::Cents, session::UserPayload, timestamp::Timestamp,
};
use serde::Serialize;

use crate::{
    order::Order,
    refund::{Refund, refunded_for},
    state::AppState,
    ticket::Ticket,
};

/// `{"id","status","userId","expiresAt","version","ticket":{…},"price"}`,
/// and `"refundedAmount"` once a charge for it was refunded (both added).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Order)]
pub(crate) struct OrderView {
    id: ObjectId,
    status: OrderStatus,
    user_id: ObjectId,
    expires_at: Timestamp,
    version: i64,
    ticket: TicketView,
    /// What the buyer is charged: fixed at creation, whatever the ticket
    /// costs now.
    price: Cents,
    #[serde(skip_serializing_if = "Option::is_none")]
    refunded_amount: Option<Cents>,
}

/// The embedded ticket, with the replica's current values.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = OrderTicket)]
pub(crate) struct TicketView {
    id: ObjectId,
    title: String,
    price: Cents,
    version: i64,
}

impl OrderView {
    /// `order` with `ticket` embedded.
    pub(crate) fn new(order: Order, ticket: &Ticket) -> Self {
        // Orders stored before the price was kept charge the price that was
        // current when they were made, which the replica may have moved on
        // from; the replica's is the best left.
        let price = order.price_cents.map_or_else(|| ticket.price(), Cents);
        Self {
            price,
            refunded_amount: None,
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

impl OrderView {
    /// With the total of `refunds` that belongs to this order.
    pub(crate) fn with_refunds(self, refunds: &[Refund]) -> Self {
        Self { refunded_amount: refunded_for(refunds, &self.id), ..self }
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
