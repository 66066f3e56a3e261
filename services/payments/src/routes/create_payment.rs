//! `POST /api/payments` `{token, orderId}`: contract 3.4, in its order.
//!
//! 1. 401 for anonymous callers (the `RequireAuth` extractor, before the body);
//! 2. 400 `Invalid value` for each field that is not a non-empty string;
//! 3. 404 when the order is not in the replica (or the id cannot be one);
//! 4. 401 for someone else's order;
//! 5. 400 once a payment is recorded; 6. when cancelled; 7. when lapsed;
//! 8. the Stripe call, recorded first as an attempt under its idempotency
//!    key, after settling any earlier attempt (see `checkout`);
//! 9. the payment and its `payment.created`, in one write; the unique index
//!    on `orderId` turns a concurrent winner into 400 `already been paid`,
//!    and a charge for an order cancelled meanwhile is refunded;
//! 10. 201 `{"id"}`.

use axum::{Json, extract::State, http::StatusCode};
use common::{
    ApiError, Result, events::OrderStatus, extract::JsonObject, id::ObjectId, session::RequireAuth,
    validation::FieldErrors,
};
use serde::Serialize;
use serde_json::json;

use crate::{
    checkout::{self, ALREADY_PAID, CANCELLED},
    order::Order,
    payment::Payment,
    state::AppState,
};

const EXPIRED: &str = "Order has expired";

/// The 201 body: `{"id":"<payment id>"}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Payment)]
pub(crate) struct Created {
    id: ObjectId,
}

#[utoipa::path(
    post,
    path = "/api/payments",
    tag = "payments",
    request_body = super::openapi::PaymentInput,
    security(("session" = [])),
    responses(
        (status = 201, description = "Charged and recorded; emits `payment.created`", body = Created),
        (status = 400, description = "`Invalid value` per field, `Order has already been paid`, `Cannot pay for an cancelled order`, `Order has expired`, Stripe's refusal, or a body that is not a JSON object", body = common::error::ErrorBody),
        (status = 401, description = "`Not authorized`: no valid session, or not the buyer", body = common::error::ErrorBody),
        (status = 404, description = "`Not Found`: a malformed or unknown order id", body = common::error::ErrorBody),
        (status = 502, description = "`Payment provider unavailable`: Stripe cannot be used; the attempt is settled later", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
/// `RequireAuth` comes before the body so anonymous callers
/// get 401 before anything is validated.
pub(crate) async fn create_payment(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    body: JsonObject,
) -> Result<(StatusCode, Json<Created>)> {
    let (token, order_id) = validate(&body)?;
    let order_id = ObjectId::parse(&order_id).ok_or(ApiError::NotFound)?;
    let order = state.store.get::<Order>(&order_id).await?.ok_or(ApiError::NotFound)?;
    if order.user_id != user.id {
        return Err(ApiError::NotAuthorized);
    }
    if is_paid(&state, &order.id).await? {
        return Err(ApiError::bad_request(ALREADY_PAID));
    }
    if order.status == OrderStatus::Cancelled {
        return Err(ApiError::bad_request(CANCELLED));
    }
    if order.has_expired() {
        return Err(ApiError::bad_request(EXPIRED));
    }

    let id = checkout::pay(&state, &order, &token).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Both fields must be non-empty strings, token first.
fn validate(body: &JsonObject) -> Result<(String, String)> {
    let mut errors = FieldErrors::default();
    let token = errors.check("token", non_empty_string(body, "token"));
    let order_id = errors.check("orderId", non_empty_string(body, "orderId"));
    errors.finish(token.zip(order_id))
}

fn non_empty_string(body: &JsonObject, field: &str) -> Result<String, &'static str> {
    body.string(field).filter(|value| !value.is_empty()).ok_or("Invalid value")
}

async fn is_paid(state: &AppState, order_id: &ObjectId) -> Result<bool> {
    Ok(!state.store.find::<Payment>(&[("orderId", json!(order_id))]).await?.is_empty())
}
