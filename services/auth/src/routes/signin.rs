//! `POST /api/users/signin` `{email, password}`: 400 field errors, then 400
//! `Invalid credentials` (unknown email and wrong password alike), then 200
//! with the user and a fresh session cookie.

use axum::{extract::State, http::StatusCode, response::Response};
use common::{ApiError, Result, extract::JsonObject};
use serde_json::Value;

use super::{
    credentials::{Credentials, Rule},
    view::signed_in,
};
use crate::{state::AppState, user::User};

/// The password is verified whether or not the email is known
/// (against a dummy hash when it is not), so the answer and its timing do
/// not reveal which accounts exist.
pub(crate) async fn signin(State(state): State<AppState>, body: JsonObject) -> Result<Response> {
    let Credentials { email, password } = Credentials::parse(&body, Rule::Signin)?;
    let user = state.store.find::<User>(&[("email", Value::from(email.as_str()))]).await?.into_iter().next();
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state.passwords.verify(password, stored_hash).await?;
    match user {
        Some(user) if matches => {
            tracing::info!(user_id = %user.id, "user signed in");
            signed_in(&state.sessions, StatusCode::OK, user)
        }
        _ => Err(ApiError::bad_request("Invalid credentials")),
    }
}
