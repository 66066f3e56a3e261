//! Stripe's answers as values, so a first answer can be saved and replayed.

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

/// One answer: a status and a JSON body, as Stripe sends them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl Reply {
    /// 200 with `body`.
    pub(crate) fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body }
    }

    /// Stripe's error shape: `{"error":{"type","code"?,"message","param"?}}`.
    pub(crate) fn error(
        status: StatusCode,
        kind: &str,
        code: Option<&str>,
        message: &str,
        param: Option<&str>,
    ) -> Self {
        let mut error = Map::new();
        error.insert("type".into(), json!(kind));
        if let Some(code) = code {
            error.insert("code".into(), json!(code));
        }
        error.insert("message".into(), json!(message));
        if let Some(param) = param {
            error.insert("param".into(), json!(param));
        }
        Self { status, body: json!({ "error": error }) }
    }

    /// 400 `invalid_request_error`.
    pub(crate) fn invalid(code: Option<&str>, message: &str, param: Option<&str>) -> Self {
        Self::error(StatusCode::BAD_REQUEST, "invalid_request_error", code, message, param)
    }

    /// The contract's decline, byte for byte.
    pub(crate) fn card_declined() -> Self {
        Self {
            status: StatusCode::PAYMENT_REQUIRED,
            body: json!({"error":{
                "type":"card_error",
                "code":"card_declined",
                "decline_code":"generic_decline",
                "message":"Your card was declined."
            }}),
        }
    }

    /// As an HTTP response; `idempotency` adds Stripe's idempotency headers.
    pub(crate) fn respond(&self, idempotency: Option<(&str, bool)>) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", HeaderValue::from_str(&super::random_id("req")).expect("ascii id"));
        if let Some((key, replayed)) = idempotency {
            if let Ok(value) = HeaderValue::from_str(key) {
                headers.insert("idempotency-key", value);
            }
            if replayed {
                headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
        }
        (self.status, headers, Json(self.body.clone())).into_response()
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        self.respond(None)
    }
}
