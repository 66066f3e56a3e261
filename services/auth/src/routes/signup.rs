//! `POST /api/users/signup` `{email, password}`: 429 past the per-address
//! limit, 400 field errors, then 400
//! `Email in use`, then 201 with the user and a session cookie.

use axum::{extract::State, http::StatusCode, response::Response};
use common::{ApiError, Result, extract::JsonObject, store::ResultExt as _};
use serde_json::Value;

use super::{
    credentials::{Credentials, Rule},
    view::signed_in,
};
use crate::{
    client_addr::ClientAddr,
    state::AppState,
    user::{EMAIL_INDEX, User},
};

/// The unique index, not the look-up, is what decides: the
/// look-up only spares a hash when the email is plainly taken, and two
/// concurrent signups that both pass it still give one user.
#[utoipa::path(
    post,
    path = "/api/users/signup",
    tag = "auth",
    request_body = super::openapi::CredentialsBody,
    responses(
        (status = 201, description = "Signed up and signed in", body = super::view::UserView,
            headers(("Set-Cookie" = String, description = "The session cookie `express:sess` (contract 2.3)"))),
        (status = 400, description = "Field errors (email first), `Email in use`, or a body that is not a JSON object", body = common::error::ErrorBody),
        (status = 429, description = "`Too many attempts, try again later`: past the per-address limit, or the email is locked out", body = common::error::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the limit's window ends"))),
        (status = 503, description = "`Server busy, try again` (every hash slot taken; with `Retry-After`), or `Service unavailable` (the store)", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn signup(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    body: JsonObject,
) -> Result<Response> {
    state.limits.check_address(&address).await?;
    let Credentials { email, password } = Credentials::parse(&body, Rule::Signup)?;
    if !state.store.find::<User>(&[("email", Value::from(email.as_str()))]).await?.is_empty() {
        return Err(email_in_use());
    }
    let user = User::new(email, state.passwords.hash(password).await?);
    state.store.insert(&user, &[]).await.on_duplicate(EMAIL_INDEX, email_in_use)?;
    tracing::info!(user_id = %user.id, "user signed up");
    signed_in(&state.sessions, StatusCode::CREATED, user)
}

fn email_in_use() -> ApiError {
    ApiError::bad_request("Email in use")
}
