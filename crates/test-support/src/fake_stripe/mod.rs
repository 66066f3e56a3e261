//! A fake Stripe that speaks the part of Stripe's HTTP API that payments
//! calls, so tests and the local stack run the real async-stripe client.
//!
//! It keeps its state in memory and follows the contract's "Fake Stripe":
//! - `POST /v1/charges`, form-encoded with bracket notation
//!   (`metadata[orderId]=…`), unknown parameters accepted. `tok_visa` gives a
//!   complete `succeeded` charge; `tok_chargeDeclined` gives 402 `card_error`;
//!   any other token gives 400 `resource_missing`. Amounts must be integers
//!   from 50 to 99999999. Declines are not recorded as charges.
//! - `GET /v1/charges` lists charges newest first in Stripe's list shape, and
//!   `GET /v1/charges/{id}` retrieves one; tests read amounts back this way.
//!   `GET /v1/charges/search?query=metadata['orderId']:'…'` finds an order's
//!   charges, as payments does after a lost answer ([`search`]).
//! - `POST /v1/refunds` and `GET /v1/refunds` ([`refunds`]); a refund moves
//!   its charge's `amount_refunded` and `refunded`.
//! - `tok_visa_lost_response` and `tok_visa_slow` charge like `tok_visa` but
//!   lose or delay the answer ([`faults`]).
//! - Every request needs `Authorization: Bearer sk_test_…`, else 401
//!   `authentication_error`.
//! - `Idempotency-Key` works as Stripe documents it (see [`idempotency`]).
//! - Errors always take Stripe's shape `{"error":{"type","code"?,"message","param"?}}`.
//!
//! Tests call [`FakeStripe::start`] (port 0); the `fake-stripe` binary serves
//! [`router`] on `PORT` for the local stack.

mod charges;
mod errors;
mod faults;
mod idempotency;
mod refunds;
mod search;

use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::Request,
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
    routing::get,
};
use rand::{Rng as _, distr::Alphanumeric};
use serde_json::{Map, Value};
use tokio::net::TcpListener;

use self::{errors::Reply, idempotency::Keys};

/// The fake's state: charges and refunds in creation order, and idempotency keys.
#[derive(Clone, Default)]
struct FakeState {
    charges: Arc<Mutex<Vec<Value>>>,
    refunds: Arc<Mutex<Vec<Value>>>,
    keys: Keys,
}

impl FakeState {
    fn record(&self, charge: Value) {
        self.charges.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(charge);
    }

    fn charges(&self) -> Vec<Value> {
        self.charges.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// The fake's routes, with fresh in-memory state.
pub fn router() -> Router {
    Router::new()
        .route("/v1/charges", get(charges::list).post(charges::create))
        .route("/v1/charges/search", get(search::search))
        .route("/v1/charges/{id}", get(charges::retrieve))
        .route("/v1/refunds", get(refunds::list).post(refunds::create))
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
        .with_state(FakeState::default())
}

/// Serves [`router`] on `listener` until `shutdown` resolves.
pub async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router()).with_graceful_shutdown(shutdown).await
}

/// A fake Stripe on a free loopback port, stopped on drop.
pub struct FakeStripe {
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl FakeStripe {
    /// A secret key the fake accepts (any `sk_test_…` does).
    pub const SECRET_KEY: &'static str = "sk_test_fake";

    /// Starts the fake on `127.0.0.1:0`, on the current runtime.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("cannot bind the fake Stripe");
        let addr = listener.local_addr().expect("bound address");
        let server = tokio::spawn(async move {
            let _ = serve(listener, std::future::pending()).await;
        });
        Self { addr, server }
    }

    /// The base URL to give payments as `STRIPE_API_BASE`, with its trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every charge, newest first, read back over HTTP (`GET /v1/charges`).
    pub async fn charges(&self) -> Vec<Value> {
        let response = reqwest::Client::new()
            .get(format!("{}v1/charges?limit=100", self.url()))
            .bearer_auth(Self::SECRET_KEY)
            .send()
            .await
            .expect("the fake Stripe answers");
        assert_eq!(response.status(), 200, "listing charges");
        let list: Value = response.json().await.expect("a JSON list");
        list["data"].as_array().cloned().expect("a Stripe list has data")
    }

    /// Every refund, newest first, read back over HTTP (`GET /v1/refunds`).
    pub async fn refunds(&self) -> Vec<Value> {
        let response = reqwest::Client::new()
            .get(format!("{}v1/refunds", self.url()))
            .bearer_auth(Self::SECRET_KEY)
            .send()
            .await
            .expect("the fake Stripe answers");
        assert_eq!(response.status(), 200, "listing refunds");
        let list: Value = response.json().await.expect("a JSON list");
        list["data"].as_array().cloned().expect("a Stripe list has data")
    }
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Form or query parameters as decoded pairs, sorted so that two requests
/// with the same parameters in another order compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(bytes: &[u8]) -> Result<Self, Reply> {
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
            .map_err(|_| Reply::invalid(None, "Invalid request: the body must be form-encoded.", None))?;
        pairs.sort();
        Ok(Self(pairs))
    }

    /// The first value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// `name[key]=value` pairs as a JSON object (Stripe's bracket notation).
    fn nested(&self, name: &str) -> Map<String, Value> {
        self.0
            .iter()
            .filter_map(|(key, value)| {
                let inner = key.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?;
                Some((inner.to_owned(), Value::String(value.clone())))
            })
            .collect()
    }
}

/// Requires `Authorization: Bearer sk_test_…`.
fn authorize(headers: &HeaderMap) -> Result<(), Reply> {
    let presented = headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok());
    let key = presented.and_then(|value| value.strip_prefix("Bearer ")).map(str::trim);
    let message = match key {
        Some(key) if key.strip_prefix("sk_test_").is_some_and(|rest| !rest.is_empty()) => return Ok(()),
        Some(key) if !key.is_empty() => format!("Invalid API Key provided: {}", mask(key)),
        _ => "You did not provide an API key. You need to provide your API key in the Authorization header, \
              using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            .to_owned(),
    };
    Err(Reply::error(StatusCode::UNAUTHORIZED, "authentication_error", None, &message, None))
}

/// Shows only the start and the end of a key, as Stripe does.
fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// Stripe's 404 for paths and methods it does not serve.
async fn unrecognized(request: Request) -> Response {
    let message = format!("Unrecognized request URL ({}: {}).", request.method(), request.uri().path());
    Reply::error(StatusCode::NOT_FOUND, "invalid_request_error", None, &message, None).into_response()
}

/// `<prefix>_` and 24 random letters and digits, like Stripe's ids.
fn random_id(prefix: &str) -> String {
    let suffix: String = rand::rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect();
    format!("{prefix}_{suffix}")
}
