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

pub(crate) async fn signout(State(state): State<AppState>) -> impl IntoResponse {
    (StatusCode::OK, [(SET_COOKIE, state.sessions.clearing_cookie())], Json(json!({})))
}
