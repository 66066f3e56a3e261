//! This service's OpenAPI document (contract 3.6), derived from the route
//! annotations, and the request shape the writing routes read field by
//! field (they parse a lenient `JsonObject`, so the shape exists only to be
//! described).

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `{title, price}`: a title of 1–200 characters once trimmed, a price in
/// dollars (a number, or a digit string such as `"12.5"`) of at least 0.50, at most
/// 999999.99, with at most two decimals.
#[derive(Serialize, ToSchema)]
#[schema(as = TicketInput)]
pub(super) struct TicketInput {
    #[schema(min_length = 1, max_length = 200, examples("concert"))]
    title: String,
    price: common::money::Cents,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        super::list_tickets::list_tickets,
        super::create_ticket::create_ticket,
        super::show_ticket::show_ticket,
        super::update_ticket::update_ticket,
        super::ticket_updates::ticket_updates
    ),
    components(schemas(TicketInput, super::view::TicketView)),
    tags((name = "tickets", description = "Tickets for sale (contract 3.2)"))
)]
struct Tickets;

/// The path of this service's own document.
pub(super) const PATH: &str = "/api/tickets/openapi.json";

/// tickets' document: `/api/tickets…`.
pub fn document() -> utoipa::openapi::OpenApi {
    common::openapi::document("tickets", Tickets::openapi())
}
