//! What signup and signin answer: the user without the hash, and the cookie.

use axum::{
    Json,
    http::{StatusCode, header::SET_COOKIE},
    response::{IntoResponse as _, Response},
};
use common::{Result, id::ObjectId, session::Sessions};
use serde::Serialize;

use crate::user::User;

/// `{"id","email"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub(crate) struct UserView {
    id: ObjectId,
    email: String,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self { id: user.id, email: user.email }
    }
}

/// The reply that signs `user` in: `status`, a fresh session cookie, and
/// the user's public fields.
pub(crate) fn signed_in(sessions: &Sessions, status: StatusCode, user: User) -> Result<Response> {
    let (token, _) = sessions.issue(&user.id, &user.email)?;
    Ok((status, [(SET_COOKIE, sessions.cookie_for(&token))], Json(UserView::from(user))).into_response())
}
