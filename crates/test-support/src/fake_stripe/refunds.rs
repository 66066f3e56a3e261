//! `/v1/refunds`: create (full or partial, under an idempotency key like
//! charges) and list (newest first, optionally `charge=`). A refund moves
//! its charge's `amount_refunded`, `refunded` and `refunds` as Stripe does.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{FakeState, Params, authorize, errors::Reply, random_id};

/// `POST /v1/refunds` `charge=ch_…[&amount=…]`.
pub(super) async fn create(State(state): State<FakeState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = authorize(&headers) {
        return refused.into_response();
    }
    let params = match Params::parse(&body) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    let run = |params: &Params| execute(&state, params);
    match headers.get("idempotency-key").and_then(|value| value.to_str().ok()) {
        Some(key) => state.keys.serve(key, "/v1/refunds", params, run).await,
        None => match run(&params) {
            Ok(reply) | Err(reply) => reply.into_response(),
        },
    }
}

/// Refunds the charge (what is left of it, unless `amount` says less).
/// Every refusal comes before anything changed, so it is `Err`.
fn execute(state: &FakeState, params: &Params) -> Result<Reply, Reply> {
    let charge_id = params.get("charge").filter(|id| !id.is_empty()).ok_or_else(|| {
        Reply::invalid(
            Some("parameter_missing"),
            "One of the following params should be provided: charge, payment_intent.",
            None,
        )
    })?;
    let mut charges = state.charges.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let charge = charges.iter_mut().find(|charge| charge["id"] == charge_id).ok_or_else(|| {
        Reply::invalid(Some("resource_missing"), &format!("No such charge: '{charge_id}'"), Some("charge"))
    })?;
    let left = charge["amount"].as_i64().unwrap_or(0) - charge["amount_refunded"].as_i64().unwrap_or(0);
    if left <= 0 {
        return Err(Reply::invalid(
            Some("charge_already_refunded"),
            &format!("Charge {charge_id} has already been refunded."),
            None,
        ));
    }
    let amount = match params.get("amount").map(str::parse::<i64>) {
        None => left,
        Some(Ok(amount)) if (1..=left).contains(&amount) => amount,
        Some(_) => {
            return Err(Reply::invalid(
                Some("amount_too_large"),
                &format!("Refund amount must be a positive integer no greater than {left}."),
                Some("amount"),
            ));
        }
    };
    let refund = refund_object(charge_id, amount, &charge["currency"], params);
    charge["amount_refunded"] = json!(charge["amount_refunded"].as_i64().unwrap_or(0) + amount);
    charge["refunded"] = json!(amount == left);
    if let Some(list) = charge["refunds"]["data"].as_array_mut() {
        list.insert(0, refund.clone());
    }
    charge["refunds"]["total_count"] = json!(charge["refunds"]["total_count"].as_i64().unwrap_or(0) + 1);
    drop(charges);
    state.refunds.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(refund.clone());
    Ok(Reply::ok(refund))
}

/// `GET /v1/refunds[?charge=ch_…]`: newest first, up to 100.
pub(super) async fn list(State(state): State<FakeState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if let Err(refused) = authorize(&headers) {
        return refused.into_response();
    }
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    let refunds = state.refunds.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let data: Vec<Value> = refunds
        .into_iter()
        .rev()
        .filter(|refund| params.get("charge").is_none_or(|charge| refund["charge"] == charge))
        .take(100)
        .collect();
    let body = json!({"object": "list", "data": data, "has_more": false, "url": "/v1/refunds"});
    Reply::ok(body).into_response()
}

/// A succeeded refund with every field Stripe returns (nullable ones null).
fn refund_object(charge_id: &str, amount: i64, currency: &Value, params: &Params) -> Value {
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
    let mut refund = json!({
        "id": random_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": random_id("txn"),
        "charge": charge_id,
        "created": created,
        "currency": currency,
        "metadata": params.nested("metadata"),
        "status": "succeeded",
    });
    for field in [
        "customer",
        "customer_account",
        "description",
        "destination_details",
        "failure_balance_transaction",
        "failure_reason",
        "instructions_email",
        "next_action",
        "payment_intent",
        "payment_method",
        "pending_reason",
        "presentment_details",
        "reason",
        "receipt_number",
        "source_transfer_reversal",
        "transfer_reversal",
    ] {
        refund[field] = Value::Null;
    }
    refund
}
