//! The whole API's OpenAPI document: every service's own document (each
//! derived from its handlers' annotations) merged into one.
//!
//! The client serves a committed copy of it, `client/api/openapi.json`, at
//! `GET /api/openapi.json` (the client is what the gateway and the ingress
//! send every non-service path to), so the client's image needs no service
//! crate. `tests/document.rs` fails while that copy is stale, and rewrites
//! it when run with `UPDATE_OPENAPI=1`.

use std::path::PathBuf;

use serde_json::json;
use utoipa::openapi::{OpenApi, RefOr, link::LinkBuilder};

/// The merged document, services in the contract's order, with the links
/// that chain a sale across services (list a ticket, order it, pay for it):
/// what a client generator and a stateful fuzzer (schemathesis) follow.
pub fn document() -> OpenApi {
    let mut whole = common::openapi::merged([
        auth::routes::document(),
        tickets::routes::document(),
        orders::routes::document(),
        payments::routes::document(),
    ]);
    let ticket_id = json!({ "id": "$response.body#/id" });
    link(&mut whole, "/api/tickets", "201", "ShowTheTicket", "show_ticket", Some(&ticket_id), None);
    let order_it = json!({ "ticketId": "$response.body#/id" });
    link(&mut whole, "/api/tickets", "201", "OrderTheTicket", "create_order", None, Some(order_it));
    let order_id = json!({ "orderId": "$response.body#/id" });
    link(&mut whole, "/api/orders", "201", "ShowTheOrder", "show_order", Some(&order_id), None);
    // The fake Stripe (and Stripe's test mode) accept `tok_visa`.
    let pay = json!({ "orderId": "$response.body#/id", "token": "tok_visa" });
    link(&mut whole, "/api/orders", "201", "PayTheOrder", "create_payment", None, Some(pay));
    link(&mut whole, "/api/orders", "201", "CancelTheOrder", "cancel_order", Some(&order_id), None);
    whole
}

/// Adds a link from `path`'s POST answer `status` to `operation`.
fn link(
    document: &mut OpenApi,
    path: &str,
    status: &str,
    name: &str,
    operation: &str,
    parameters: Option<&serde_json::Value>,
    body: Option<serde_json::Value>,
) {
    let mut builder = LinkBuilder::new().operation_id(operation).request_body(body);
    for (parameter, value) in parameters.and_then(serde_json::Value::as_object).into_iter().flatten() {
        builder = builder.parameter(parameter.as_str(), value.clone());
    }
    let response = document
        .paths
        .paths
        .get_mut(path)
        .and_then(|item| item.post.as_mut())
        .and_then(|operation| operation.responses.responses.get_mut(status));
    if let Some(RefOr::T(response)) = response {
        response.links.insert(name.to_owned(), RefOr::T(builder.build()));
    }
}

/// The document as committed: pretty JSON and a final newline.
pub fn rendered() -> String {
    // Serialising a document built from static annotations cannot fail.
    let mut text = document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// Where the committed copy lives.
pub fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../client/api/openapi.json")
}
