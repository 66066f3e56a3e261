//! `POST /api/users/signin` `{email, password}`: 429 past the per-address
//! limit, 400 field errors, 429 while the email is locked out, then 400
//! `Invalid credentials` (unknown email and wrong password alike, counted
//! towards the lock-out), then 200 with the user and a fresh session cookie.

use axum::{extract::State, http::StatusCode, response::Response};
use common::{ApiError, Result, extract::JsonObject};
use serde_json::Value;

use super::{
    credentials::{Credentials, Rule},
    view::signed_in,
};
use crate::{client_addr::ClientAddr, state::AppState, user::User};

/// The password is verified whether or not the email is known
/// (against a dummy hash when it is not), so the answer and its timing do
/// not reveal which accounts exist.
#[utoipa::path(
    post,
    path = "/api/users/signin",
    tag = "auth",
    request_body = super::openapi::CredentialsBody,
    responses(
        (status = 200, description = "Signed in", body = super::view::UserView,
            headers(("Set-Cookie" = String, description = "A fresh session cookie `express:sess` (contract 2.3)"))),
        (status = 400, description = "Field errors, `Invalid credentials`, or a body that is not a JSON object", body = common::error::ErrorBody),
        (status = 429, description = "`Too many attempts, try again later`: past the per-address limit, or the email is locked out", body = common::error::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the limit's window ends"))),
        (status = 503, description = "`Server busy, try again` (every hash slot taken; with `Retry-After`), or `Service unavailable` (the store)", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn signin(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    body: JsonObject,
) -> Result<Response> {
    state.limits.check_address(&address).await?;
    let Credentials { email, password } = Credentials::parse(&body, Rule::Signin)?;
    state.limits.check_email(&email).await?;
    let user = state.store.find::<User>(&[("email", Value::from(email.as_str()))]).await?.into_iter().next();
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state.passwords.verify(password, stored_hash).await?;
    match user {
        Some(user) if matches => {
            tracing::info!(user_id = %user.id, "user signed in");
            signed_in(&state.sessions, StatusCode::OK, user)
        }
        _ => {
            state.limits.record_failure(&email).await;
            Err(ApiError::bad_request("Invalid credentials"))
        }
    }
}
