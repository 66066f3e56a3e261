//! The Stripe call: one Charges API request through async-stripe, and how
//! each of Stripe's answers becomes ours (contract 7).
//!
//! Charges rather than PaymentIntents: a card token is charged in one
//! request, which the contract allows and the fake Stripe mimics. The call
//! carries `Idempotency-Key` through async-stripe's `Idempotent` request
//! strategy, which sends exactly one HTTP request (no retries of its own), so
//! a retry is always the buyer's, with the same key.
//!
//! async-stripe reports an answer it could read as `StripeError::Stripe`
//! (Stripe's error object and the HTTP status), and everything else as a
//! transport failure (`ClientError`), a `Timeout`, or an unreadable body
//! (`JSONDeserialize`). The status decides first: 401, 403, 429 and 5xx mean
//! the provider is unusable whatever the error type says.

use std::{collections::HashMap, time::Duration};

use common::id::ObjectId;
use stripe::{ApiErrorsType, Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest as _};
use stripe_core::{ChargeStatus, charge::CreateCharge};
use stripe_types::Currency;

use crate::config::StripeSettings;

mod lookup;
mod refund;

pub use lookup::FoundCharge;

/// What to charge.
#[derive(Debug, Clone)]
pub struct ChargeRequest<'a> {
    /// The order being paid (sent as `metadata[orderId]`).
    pub order_id: &'a ObjectId,
    /// The order's price in cents, charged in `usd`.
    pub amount_cents: i64,
    /// The card token from Stripe.js (never logged).
    pub token: &'a str,
    /// `payment-<orderId>-<attempt>`.
    pub idempotency_key: &'a str,
}

/// Why a charge did not happen; nothing is stored in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeError {
    /// `card_error`: 400 with Stripe's message; the attempt moves on.
    Declined(String),
    /// `invalid_request_error`: 400 with Stripe's message.
    Rejected(String),
    /// `idempotency_error`: the key is busy or was used with other
    /// parameters; 400 `A payment for this order is already in progress`.
    InProgress,
    /// Unreachable, timed out, refused our key, overloaded or failing: 502.
    /// The text says why, for the log.
    Unavailable(String),
}

/// Shown when Stripe refuses a request without a message.
const PAYMENT_FAILED: &str = "Payment failed";

/// async-stripe's client for one Stripe account. Cheap to clone.
#[derive(Clone, Debug)]
pub struct StripeGateway {
    client: Client,
    timeout: Duration,
}

impl StripeGateway {
    /// A client for `settings.api_base` with `settings.key`, each call
    /// limited to `settings.timeout`.
    pub fn new(settings: &StripeSettings) -> anyhow::Result<Self> {
        let client = ClientBuilder::new(settings.key.expose())
            .url(settings.api_base.clone())
            .timeout(settings.timeout)
            .build()
            .map_err(|error| anyhow::anyhow!("cannot configure the Stripe client: {error}"))?;
        Ok(Self { client, timeout: settings.timeout })
    }

    /// How long one call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Charges the card once under the request's idempotency key; returns
    /// Stripe's charge id.
    pub async fn charge(&self, request: &ChargeRequest<'_>) -> Result<String, ChargeError> {
        let key = IdempotencyKey::new(request.idempotency_key)
            .map_err(|error| ChargeError::Unavailable(format!("invalid idempotency key: {error}")))?;
        let metadata = HashMap::from([("orderId".to_owned(), request.order_id.to_string())]);
        let charge = CreateCharge::new()
            .amount(request.amount_cents)
            .currency(Currency::USD)
            .source(request.token)
            .description(format!("Order {}", request.order_id))
            .metadata(metadata)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(classify)?;
        if charge.status != ChargeStatus::Succeeded || !charge.paid {
            // Not an answer card charges give; nothing is recorded, and the
            // buyer's retry replays the same answer, so it is logged.
            return Err(ChargeError::Unavailable(format!(
                "charge {} came back {} (paid: {})",
                charge.id.as_str(),
                charge.status.as_str(),
                charge.paid
            )));
        }
        Ok(charge.id.as_str().to_owned())
    }
}

/// Maps async-stripe's error onto the contract's table.
pub fn classify(error: StripeError) -> ChargeError {
    match error {
        StripeError::Stripe(details, status) => {
            if matches!(status, 401 | 403 | 429 | 500..=599) {
                // Only the type and code: Stripe's message may echo our input.
                return ChargeError::Unavailable(format!(
                    "Stripe answered {status} ({}, code {:?})",
                    details.type_.as_str(),
                    details.code.as_ref().map(|code| code.as_str())
                ));
            }
            let message = || details.message.clone().filter(|message| !message.is_empty());
            match &details.type_ {
                ApiErrorsType::CardError => {
                    ChargeError::Declined(message().unwrap_or_else(|| PAYMENT_FAILED.to_owned()))
                }
                ApiErrorsType::InvalidRequestError => {
                    ChargeError::Rejected(message().unwrap_or_else(|| PAYMENT_FAILED.to_owned()))
                }
                ApiErrorsType::IdempotencyError => ChargeError::InProgress,
                other => ChargeError::Unavailable(format!("Stripe answered {status} ({})", other.as_str())),
            }
        }
        StripeError::ClientError(cause) => ChargeError::Unavailable(format!("cannot reach Stripe: {cause}")),
        StripeError::Timeout => ChargeError::Unavailable("Stripe did not answer in time".to_owned()),
        StripeError::JSONDeserialize(cause) => ChargeError::Unavailable(format!("unreadable Stripe answer: {cause}")),
        StripeError::ConfigError(cause) => ChargeError::Unavailable(format!("Stripe client misconfigured: {cause}")),
    }
}

#[cfg(test)]
mod tests;
