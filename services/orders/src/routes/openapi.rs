//! This service's OpenAPI document (contract 3.6), derived from the route
//! annotations, and the request shape `POST /api/orders` reads field by
//! field (it parses a lenient `JsonObject`, so the shape exists only to be
//! described).

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `{ticketId}`: a ticket's 24-hex id.
#[derive(Serialize, ToSchema)]
#[schema(as = OrderInput)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderInput {
    ticket_id: common::id::ObjectId,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        super::create_order::create_order,
        super::list_orders::list_orders,
        super::show_order::show_order,
        super::cancel_order::cancel_order,
        super::order_updates::order_updates
    ),
    components(schemas(OrderInput, super::view::OrderView, super::view::TicketView, common::events::OrderStatus)),
    tags((name = "orders", description = "Reservations of tickets (contract 3.3)"))
)]
struct Orders;

/// The path of this service's own document.
pub(super) const PATH: &str = "/api/orders/openapi.json";

/// orders' document: `/api/orders…`.
pub fn document() -> utoipa::openapi::OpenApi {
    common::openapi::document("orders", Orders::openapi())
}
