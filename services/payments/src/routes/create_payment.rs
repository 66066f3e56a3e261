//! `POST /api/payments` `{token, orderId}`: contract 3.4, in its order.
//!
//! 1. 401 for anonymous callers (the `RequireAuth` extractor, before the body);
//! 2. 400 `Invalid value` for each field that is not a non-empty string;
//! 3. 404 when the order is not in the replica (or the id cannot be one);
//! 4. 401 for someone else's order;
//! 5. 400 once a payment is recorded; 6. when cancelled; 7. when lapsed;
//! 8. the Stripe call, under the order's idempotency key;
//! 9. the payment and its `payment.created`, in one write; the unique index
//!    on `orderId` turns a concurrent winner into 400 `already been paid`;
//! 10. 201 `{"id"}`.

use axum::{Json, extract::State, http::StatusCode};
use common::{
    ApiError, Result,
    events::{OrderStatus, Outgoing},
    extract::JsonObject,
    id::ObjectId,
    session::RequireAuth,
    store::ResultExt as _,
    validation::FieldErrors,
};
use serde::Serialize;
use serde_json::json;

use crate::{
    declines::{self, idempotency_key},
    gateway::{ChargeError, ChargeRequest},
    order::Order,
    payment::Payment,
    state::AppState,
};

const ALREADY_PAID: &str = "Order has already been paid";
const CANCELLED: &str = "Cannot pay for an cancelled order";
const EXPIRED: &str = "Order has expired";
const IN_PROGRESS: &str = "A payment for this order is already in progress";
const PROVIDER_UNAVAILABLE: &str = "Payment provider unavailable";

/// The 201 body.
#[derive(Serialize)]
pub(crate) struct Created {
    id: ObjectId,
}

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

    let stripe_id = charge(&state, &order, &token).await?;

    let payment = Payment::new(order.id.clone(), stripe_id, order.price_cents);
    // A duplicate: a concurrent request for this order recorded its payment
    // first; both used the same idempotency key, so Stripe charged once.
    state
        .store
        .insert(&payment, &[Outgoing::of(&payment.created_event())])
        .await
        .on_duplicate(Payment::ONE_PER_ORDER, || ApiError::bad_request(ALREADY_PAID))?;
    tracing::info!(order_id = %order.id, payment_id = %payment.id, stripe_id = %payment.stripe_id, "order paid");
    Ok((StatusCode::CREATED, Json(Created { id: payment.id })))
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

/// Charges the order's price under `payment-<orderId>-<attempt>`; a decline
/// moves the attempt on so that another card gets a fresh key.
async fn charge(state: &AppState, order: &Order, token: &str) -> Result<String> {
    let attempt = declines::attempt(&state.store, &order.id).await?;
    let key = idempotency_key(&order.id, attempt);
    let request = ChargeRequest { order_id: &order.id, amount_cents: order.price_cents, token, idempotency_key: &key };
    match state.stripe.charge(&request).await {
        Ok(stripe_id) => Ok(stripe_id),
        Err(ChargeError::Declined(message)) => {
            declines::record(&state.store, &order.id, attempt).await?;
            tracing::info!(order_id = %order.id, attempt, "card declined");
            Err(ApiError::bad_request(message))
        }
        Err(ChargeError::Rejected(message)) => Err(ApiError::bad_request(message)),
        Err(ChargeError::InProgress) => Err(ApiError::bad_request(IN_PROGRESS)),
        Err(ChargeError::Unavailable(reason)) => {
            tracing::error!(order_id = %order.id, attempt, reason, "Stripe unavailable; nothing stored");
            Err(ApiError::BadGateway(PROVIDER_UNAVAILABLE.to_owned()))
        }
    }
}
