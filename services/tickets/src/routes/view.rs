//! The Ticket as the API (and its live stream) shows it.

use common::{
    events::{TicketCreated, TicketStatus, TicketUpdated},
    id::ObjectId,
    money::Cents,
};
use serde::Serialize;

use crate::ticket::Ticket;

/// `{"id","title","price","userId","version","status"}`, plus `orderId`
/// while reserved or sold.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Ticket)]
pub(crate) struct TicketView {
    id: ObjectId,
    title: String,
    price: Cents,
    user_id: ObjectId,
    version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<ObjectId>,
    status: TicketStatus,
}

impl From<Ticket> for TicketView {
    fn from(ticket: Ticket) -> Self {
        Self {
            price: ticket.price(),
            status: ticket.status(),
            id: ticket.id,
            title: ticket.title,
            user_id: ticket.user_id,
            version: ticket.version,
            order_id: ticket.order_id,
        }
    }
}

/// A new ticket is available.
impl From<TicketCreated> for TicketView {
    fn from(event: TicketCreated) -> Self {
        Self {
            id: event.id,
            title: event.title,
            price: event.price,
            user_id: event.user_id,
            version: event.version,
            order_id: None,
            status: TicketStatus::Available,
        }
    }
}

/// Every change after creation: the event carries the whole ticket.
impl From<TicketUpdated> for TicketView {
    fn from(event: TicketUpdated) -> Self {
        Self {
            status: event.status(),
            id: event.id,
            title: event.title,
            price: event.price,
            user_id: event.user_id,
            version: event.version,
            order_id: event.order_id,
        }
    }
}
