//! The whole API's OpenAPI document: every service's own document (each
//! derived from its handlers' annotations) merged into one.
//!
//! The client serves a committed copy of it, `client/api/openapi.json`, at
//! `GET /api/openapi.json` (the client is what the gateway and the ingress
//! send every non-service path to), so the client's image needs no service
//! crate. `tests/document.rs` fails while that copy is stale, and rewrites
//! it when run with `UPDATE_OPENAPI=1`.

use std::path::PathBuf;

/// The merged document, services in the contract's order.
pub fn document() -> utoipa::openapi::OpenApi {
    common::openapi::merged([
        auth::routes::document(),
        tickets::routes::document(),
        orders::routes::document(),
        payments::routes::document(),
    ])
}

/// The document as committed: pretty JSON and a final newline.
pub fn rendered() -> String {
    // Serialising a document built from static annotations cannot fail.
    let mut text = document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// Where the committed copy lives.
pub fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../client/api/openapi.json")
}
