//! The one API error type, rendered as the contract's `{"errors":[{message, field?}]}`.
//!
//! Handlers return [`Result<T>`]; every failure a client can see goes through
//! [`ApiError`], so the status code and the wording live in one place. Unexpected
//! faults are logged here, once, inside the request's span (which carries the
//! request id), and the client only ever reads `Something went wrong`.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// `Result` with [`ApiError`] as the default error, for handlers.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// One entry of the contract's error list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The human-readable message, exactly as the contract words it.
    pub message: String,
    /// The offending input field; present only on validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl FieldError {
    /// A validation error on `field`.
    pub fn new(field: &str, message: &str) -> Self {
        Self { message: message.to_owned(), field: Some(field.to_owned()) }
    }
}

/// Everything a route can answer other than success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with one error per failing field, in the route's declared order.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 400 business refusal such as `Email in use`.
    #[error("{0}")]
    BadRequest(String),
    /// 400: the body could not be read as a JSON object.
    #[error("Request body must be a valid JSON object")]
    InvalidBody,
    /// 401: no valid session, or not the owner.
    #[error("Not authorized")]
    NotAuthorized,
    /// 404: unknown path or method, missing resource, malformed path id.
    #[error("Not Found")]
    NotFound,
    /// 413: body over the limit.
    #[error("Request body is too large")]
    PayloadTooLarge,
    /// 429 `Too many attempts, try again later`, with `Retry-After` in seconds.
    #[error("Too many attempts, try again later")]
    TooManyAttempts {
        /// Seconds until the window that refused the request has passed.
        retry_after: u64,
    },
    /// 503 `Server busy, try again`, with `Retry-After` in seconds: a bounded
    /// resource (the password-hash slots) is full.
    #[error("Server busy, try again")]
    Busy {
        /// Seconds the client should wait.
        retry_after: u64,
    },
    /// 502 with a fixed message, e.g. `Payment provider unavailable`.
    #[error("{0}")]
    BadGateway(String),
    /// 503: the service's store (or another dependency) is unreachable.
    #[error("Service unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// 500: anything else. The cause is logged, never sent.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// A 400 business refusal.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// The status code this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest(_) | Self::InvalidBody => StatusCode::BAD_REQUEST,
            Self::NotAuthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Busy { .. } | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body's error list, exactly what the client sees.
    pub fn errors(&self) -> Vec<FieldError> {
        match self {
            Self::Validation(errors) => errors.clone(),
            Self::Unexpected(_) => vec![plain("Something went wrong")],
            other => vec![plain(&other.to_string())],
        }
    }
}

fn plain(message: &str) -> FieldError {
    FieldError { message: message.to_owned(), field: None }
}

/// The contract's error body: `{"errors":[{message, field?}]}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Errors)]
pub struct ErrorBody {
    /// One entry per failing field, or one message.
    pub errors: Vec<FieldError>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Logged here rather than by a middleware: the conversion runs inside the
        // request span, so the line carries the request id, and it runs once.
        match &self {
            Self::Unexpected(error) => {
                tracing::error!(error.message = %error, error.cause_chain = ?error, "unexpected fault");
            }
            Self::Unavailable(error) => {
                tracing::warn!(error.message = %error, error.cause_chain = ?error, "dependency unavailable");
            }
            _ => {}
        }
        let retry_after = match &self {
            Self::TooManyAttempts { retry_after } | Self::Busy { retry_after } => Some(retry_after.to_string()),
            _ => None,
        };
        let mut response = (self.status(), Json(ErrorBody { errors: self.errors() })).into_response();
        if let Some(seconds) = retry_after.and_then(|seconds| HeaderValue::from_str(&seconds).ok()) {
            response.headers_mut().insert(RETRY_AFTER, seconds);
        }
        response
    }
}

/// Fallback for unknown paths and for methods a path does not serve: always
/// the JSON 404, never 405, as in the original.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn render(error: ApiError) -> (u16, serde_json::Value) {
        let response = error.into_response();
        let status = response.status().as_u16();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn every_error_kind_renders_the_contract_shape_and_status() {
        let cases = [
            (
                ApiError::Validation(vec![
                    FieldError::new("title", "Title is required"),
                    FieldError::new("price", "Price must be greater than 0"),
                ]),
                400,
                serde_json::json!({"errors":[
                    {"message":"Title is required","field":"title"},
                    {"message":"Price must be greater than 0","field":"price"}]}),
            ),
            (ApiError::bad_request("Email in use"), 400, serde_json::json!({"errors":[{"message":"Email in use"}]})),
            (
                ApiError::InvalidBody,
                400,
                serde_json::json!({"errors":[{"message":"Request body must be a valid JSON object"}]}),
            ),
            (ApiError::NotAuthorized, 401, serde_json::json!({"errors":[{"message":"Not authorized"}]})),
            (ApiError::NotFound, 404, serde_json::json!({"errors":[{"message":"Not Found"}]})),
            (ApiError::PayloadTooLarge, 413, serde_json::json!({"errors":[{"message":"Request body is too large"}]})),
            (
                ApiError::BadGateway("Payment provider unavailable".into()),
                502,
                serde_json::json!({"errors":[{"message":"Payment provider unavailable"}]}),
            ),
            (
                ApiError::Unavailable(anyhow::anyhow!("connection refused at 10.0.0.1")),
                503,
                serde_json::json!({"errors":[{"message":"Service unavailable"}]}),
            ),
        ];
        for (error, status, body) in cases {
            let label = format!("{error:?}");
            assert_eq!(render(error).await, (status, body), "rendering {label}");
        }
    }

    #[tokio::test]
    async fn refusals_that_pass_say_when_to_retry() {
        for (error, status, message) in [
            (ApiError::TooManyAttempts { retry_after: 900 }, 429, "Too many attempts, try again later"),
            (ApiError::Busy { retry_after: 1 }, 503, "Server busy, try again"),
        ] {
            let seconds = match &error {
                ApiError::TooManyAttempts { retry_after } | ApiError::Busy { retry_after } => retry_after.to_string(),
                _ => unreachable!(),
            };
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(response.headers()[RETRY_AFTER], seconds.as_str());
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body, serde_json::json!({"errors":[{"message": message}]}));
        }
    }

    #[tokio::test]
    async fn an_unexpected_fault_hides_its_cause_from_the_client() {
        let error = ApiError::from(anyhow::anyhow!("secret table users_v2 is locked"));
        let (status, body) = render(error).await;
        assert_eq!(status, 500);
        assert_eq!(body, serde_json::json!({"errors":[{"message":"Something went wrong"}]}));
    }
}
