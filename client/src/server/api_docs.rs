//! `GET /api/openapi.json` and `GET /api/docs` (contract 3.6): the whole
//! API's OpenAPI document and a page that renders it.
//!
//! The client serves them because the gateway and the ingress already send
//! every path outside the four service prefixes here. The document is the
//! committed copy `client/api/openapi.json`, merged from the services'
//! annotations by `crates/api-docs` (whose test fails while it is stale), so
//! this image needs no service crate. The page is self-contained: its
//! renderer is inline and it fetches only the document, so nothing leaves
//! the origin.

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};

/// The merged document.
const DOCUMENT: &str = include_str!("../../api/openapi.json");

/// The page: HTML with its renderer inline.
const PAGE: &str = include_str!("../../api/docs.html");

/// The two routes (registered before the catch-all JSON 404 of `/api/…`).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/api/openapi.json", get(document)).route("/api/docs", get(page))
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], DOCUMENT)
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            // Only this origin: the page must work with no network beyond it.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
                ),
            ),
        ],
        PAGE,
    )
}
