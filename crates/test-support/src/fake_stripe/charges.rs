//! `/v1/charges`: create, list (newest first) and retrieve.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{FakeState, Params, authorize, errors::Reply, faults::Fault, random_id};

/// Stripe's bounds for a USD charge, in cents.
const MIN_AMOUNT: i64 = 50;
const MAX_AMOUNT: i64 = 99_999_999;

/// `POST /v1/charges`.
pub(super) async fn create(State(state): State<FakeState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = authorize(&headers) {
        return refused.into_response();
    }
    let params = match Params::parse(&body) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    let fault = Fault::of(&params);
    let run = |params: &Params| execute(&state, params);
    let response = match headers.get("idempotency-key").and_then(|value| value.to_str().ok()) {
        Some(key) => state.keys.serve(key, "/v1/charges", params, run).await,
        None => match run(&params) {
            Ok(reply) | Err(reply) => reply.into_response(),
        },
    };
    fault.deliver(response).await
}

/// Validates, then charges the token: `Err` for a request refused before it
/// started executing, `Ok` for whatever the card said.
fn execute(state: &FakeState, params: &Params) -> Result<Reply, Reply> {
    let amount = amount(params.get("amount"))?;
    let currency = required(params, "currency")?;
    let source = params
        .get("source")
        .filter(|source| !source.is_empty())
        .ok_or_else(|| Reply::invalid(Some("parameter_missing"), "Must provide source or customer.", Some("source")))?;
    Ok(match source {
        token if Fault::charges(token) => {
            let charge = charge_object(amount, currency, params);
            state.record(charge.clone());
            Reply::ok(charge)
        }
        "tok_chargeDeclined" => Reply::card_declined(),
        other => Reply::invalid(Some("resource_missing"), &format!("No such token: '{other}'"), Some("source")),
    })
}

fn amount(raw: Option<&str>) -> Result<i64, Reply> {
    let raw = raw.filter(|raw| !raw.is_empty()).ok_or_else(|| missing("amount"))?;
    let amount: i64 = raw.parse().map_err(|_| {
        Reply::invalid(Some("parameter_invalid_integer"), &format!("Invalid integer: {raw}"), Some("amount"))
    })?;
    if amount < MIN_AMOUNT {
        return Err(Reply::invalid(Some("amount_too_small"), "Amount must be at least $0.50 usd", Some("amount")));
    }
    if amount > MAX_AMOUNT {
        return Err(Reply::invalid(
            Some("amount_too_large"),
            "Amount must be no more than $999,999.99",
            Some("amount"),
        ));
    }
    Ok(amount)
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, Reply> {
    params.get(name).filter(|value| !value.is_empty()).ok_or_else(|| missing(name))
}

fn missing(name: &str) -> Reply {
    Reply::invalid(Some("parameter_missing"), &format!("Missing required param: {name}."), Some(name))
}

/// `GET /v1/charges`: newest first, `limit` 1–100 (default 10).
pub(super) async fn list(State(state): State<FakeState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if let Err(refused) = authorize(&headers) {
        return refused.into_response();
    }
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    let limit = match params.get("limit").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(limit)) if (1..=100).contains(&limit) => limit,
        Some(_) => {
            let raw = params.get("limit").unwrap_or_default();
            return Reply::invalid(None, &format!("Invalid limit: {raw}; must be between 1 and 100"), Some("limit"))
                .into_response();
        }
    };
    let charges = state.charges();
    let newest_first: Vec<Value> = charges.iter().rev().take(limit).cloned().collect();
    let body = json!({
        "object": "list",
        "data": newest_first,
        "has_more": charges.len() > limit,
        "url": "/v1/charges",
    });
    Reply::ok(body).into_response()
}

/// `GET /v1/charges/{id}`.
pub(super) async fn retrieve(State(state): State<FakeState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(refused) = authorize(&headers) {
        return refused.into_response();
    }
    match state.charges().into_iter().find(|charge| charge["id"] == id.as_str()) {
        Some(charge) => Reply::ok(charge).into_response(),
        None => Reply::error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            Some("resource_missing"),
            &format!("No such charge: '{id}'"),
            Some("id"),
        )
        .into_response(),
    }
}

/// Fields of a charge that Stripe sends as `null` for a plain card charge.
const NULL_FIELDS: [&str; 23] = [
    "application",
    "application_fee",
    "application_fee_amount",
    "authorization_code",
    "customer",
    "failure_balance_transaction",
    "failure_code",
    "failure_message",
    "level3",
    "on_behalf_of",
    "payment_intent",
    "presentment_details",
    "receipt_email",
    "receipt_number",
    "review",
    "shipping",
    "source",
    "source_transfer",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer",
    "transfer_data",
    "transfer_group",
];

/// A succeeded card charge with every field Stripe returns (nullable ones
/// null), so clients that require them deserialize it.
fn charge_object(amount: i64, currency: &str, params: &Params) -> Value {
    let id = random_id("ch");
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
    let address = json!({"city":null,"country":null,"line1":null,"line2":null,"postal_code":null,"state":null});
    let outcome = json!({
        "advice_code": null,
        "network_advice_code": null,
        "network_decline_code": null,
        "network_status": "approved_by_network",
        "reason": null,
        "risk_level": "normal",
        "risk_score": 32,
        "seller_message": "Payment complete.",
        "type": "authorized"
    });
    let card = json!({
        "amount_authorized": amount,
        "brand": "visa",
        "country": "US",
        "exp_month": 12,
        "exp_year": 2034,
        "fingerprint": "fakeFingerprint0",
        "funding": "credit",
        "last4": "4242",
        "network": "visa"
    });
    let refunds = json!({
        "object": "list",
        "data": [],
        "has_more": false,
        "total_count": 0,
        "url": format!("/v1/charges/{id}/refunds")
    });
    let mut charge = json!({
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "balance_transaction": random_id("txn"),
        "billing_details": {"address": address, "email": null, "name": null, "phone": null, "tax_id": null},
        "calculated_statement_descriptor": "TICKETING",
        "captured": true,
        "created": created,
        "currency": currency,
        "description": params.get("description"),
        "disputed": false,
        "fraud_details": {},
        "livemode": false,
        "metadata": params.nested("metadata"),
        "outcome": outcome,
        "paid": true,
        "payment_method": random_id("card"),
        "payment_method_details": {"card": card, "type": "card"},
        "radar_options": {},
        "receipt_url": format!("https://pay.stripe.com/receipts/fake/{id}"),
        "refunded": false,
        "refunds": refunds,
        "status": "succeeded"
    });
    for field in NULL_FIELDS {
        charge[field] = Value::Null;
    }
    charge
}
