//! `GET /api/users/currentuser`: the session's claims, or `null`. Reads the
//! token only (never the store), so it answers even while the store is down,
//! and it never sets a cookie.

use axum::Json;
use common::session::CurrentUser;
use serde_json::{Value, json};

#[utoipa::path(
    get,
    path = "/api/users/currentuser",
    tag = "auth",
    responses(
        (status = 200, description = "The session's claims, or null for an anonymous caller", body = super::openapi::CurrentUserBody),
    )
)]
/// The handler: `{"currentUser": {id, email, iat, exp}}` or `{"currentUser": null}`.
pub(crate) async fn current_user(CurrentUser(user): CurrentUser) -> Json<Value> {
    Json(json!({ "currentUser": user }))
}
