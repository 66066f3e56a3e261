//! The Ticket as the API shows it.

use common::{id::ObjectId, money::Cents};
use serde::Serialize;

use crate::ticket::Ticket;

/// `{"id","title","price","userId","version"}`, plus `orderId` while reserved.
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
}

impl From<Ticket> for TicketView {
    fn from(ticket: Ticket) -> Self {
        Self {
            price: ticket.price(),
            id: ticket.id,
            title: ticket.title,
            user_id: ticket.user_id,
            version: ticket.version,
            order_id: ticket.order_id,
        }
    }
}
