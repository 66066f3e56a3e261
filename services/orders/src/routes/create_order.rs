//! `POST /api/orders` `{ticketId}`: contract 3.3, in its order.
//!
//! 1. 401 for anonymous callers (the `RequireAuth` extractor, before the body);
//! 2. 400 for a `ticketId` that is not a 24-hex id;
//! 3. 404 when the ticket is not in the replica;
//! 4. 400 `Ticket is already reserved` when the insert hits the partial
//!    unique index (an open or complete order holds the ticket): the store
//!    decides, so concurrent buyers cannot both win;
//! 5. 201 with the order, `order.created` written in the same step.

use axum::{Json, extract::State, http::StatusCode};
use common::{
    ApiError, Result, events::Outgoing, extract::JsonObject, id::ObjectId, session::RequireAuth, store::ResultExt as _,
    validation::FieldErrors,
};
use serde_json::Value;

use super::view::OrderView;
use crate::{order::Order, state::AppState, ticket::Ticket};

const ALREADY_RESERVED: &str = "Ticket is already reserved";

#[utoipa::path(
    post,
    path = "/api/orders",
    tag = "orders",
    request_body = super::openapi::OrderInput,
    security(("session" = [])),
    responses(
        (status = 201, description = "Reserved: `created`, version 0; emits `order.created`", body = super::view::OrderView),
        (status = 400, description = "ticketId errors, `Ticket is already reserved`, or a body that is not a JSON object", body = common::error::ErrorBody),
        (status = 401, description = "`Not authorized`: no valid session", body = common::error::ErrorBody),
        (status = 404, description = "`Not Found`: the ticket is unknown", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
/// `RequireAuth` comes before the body so anonymous callers
/// get 401 before anything is validated.
pub(crate) async fn create_order(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    body: JsonObject,
) -> Result<(StatusCode, Json<OrderView>)> {
    let ticket_id = validate(&body)?;
    let ticket = state.store.get::<Ticket>(&ticket_id).await?.ok_or(ApiError::NotFound)?;

    let order = Order::new(user.id, ticket.id.clone(), state.expiration_window).priced(&ticket);
    let event = Outgoing::of(&order.created_event(&ticket));
    state
        .store
        .insert(&order, &[event])
        .await
        .on_duplicate(Order::ONE_LIVE_PER_TICKET, || ApiError::bad_request(ALREADY_RESERVED))?;
    tracing::info!(order_id = %order.id, ticket_id = %ticket.id, "ticket reserved");
    Ok((StatusCode::CREATED, Json(OrderView::new(order, &ticket))))
}

/// Missing, `null` or `""` fail both rules (as express-validator's
/// `not().isEmpty()` and the id check did); any other non-id only the second.
fn validate(body: &JsonObject) -> Result<ObjectId> {
    let mut errors = FieldErrors::default();
    let value = body.typed::<Value>("ticketId");
    if matches!(&value, None | Some(Value::Null)) || value.as_ref().and_then(Value::as_str) == Some("") {
        errors.push("ticketId", "Invalid value");
    }
    let id = value.as_ref().and_then(Value::as_str).and_then(ObjectId::parse).ok_or("TicketId must be provided");
    let id = errors.check("ticketId", id);
    errors.finish(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(body: &str) -> Vec<String> {
        match validate(&JsonObject::parse(body.as_bytes()).unwrap()) {
            Ok(_) => Vec::new(),
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.message).collect(),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn ticket_ids_are_validated_as_the_contract_says() {
        let both = vec!["Invalid value".to_owned(), "TicketId must be provided".to_owned()];
        let second = vec!["TicketId must be provided".to_owned()];
        let cases = [
            ("{}", both.clone(), "missing"),
            (r#"{"ticketId":null}"#, both.clone(), "null"),
            (r#"{"ticketId":""}"#, both, "empty"),
            (r#"{"ticketId":" "}"#, second.clone(), "blank"),
            (r#"{"ticketId":"abc"}"#, second.clone(), "too short"),
            (r#"{"ticketId":"123456789012"}"#, second.clone(), "12 characters"),
            (r#"{"ticketId":"zz61a0c0f1e2d3c4b5a69788"}"#, second.clone(), "not hex"),
            (r#"{"ticketId":12}"#, second.clone(), "a number"),
            (r#"{"ticketId":["6561a0c0f1e2d3c4b5a69788"]}"#, second, "an array"),
            (r#"{"ticketId":"6561a0c0f1e2d3c4b5a69788"}"#, Vec::new(), "an id"),
            (r#"{"ticketId":"6561A0C0F1E2D3C4B5A69788"}"#, Vec::new(), "an upper-case id"),
        ];
        for (body, expected, why) in cases {
            assert_eq!(errors(body), expected, "{why}: {body}");
        }
    }
}
