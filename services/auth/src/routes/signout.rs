//! `POST /api/users/signout`: 200 `{}` and the clearing cookie, always. The
//! body is ignored; there is no server-side session to end (tokens are
//! stateless), so signing out is the browser forgetting its cookie.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header::SET_COOKIE},
    response::IntoResponse,
};
use serde_json::json;

use crate::state::AppState;

/// Signs out: the clearing cookie, whatever the request carried.
#[utoipa::path(
    post,
    path = "/api/users/signout",
    tag = "auth",
    responses(
        (status = 200, description = "Always; the body is ignored", body = super::openapi::SignedOutBody,
            headers(("Set-Cookie" = String, description = "The clearing cookie (Max-Age=0)"))),
    )
)]
pub(crate) async fn signout(State(state): State<AppState>) -> impl IntoResponse {
    (StatusCode::OK, [(SET_COOKIE, state.sessions.clearing_cookie())], Json(json!({})))
}
