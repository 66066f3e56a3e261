//! This service's OpenAPI document (contract 3.6), derived from the route
//! annotations, and the request shapes those routes read field by field
//! (they parse a lenient `JsonObject`, so the shapes exist only to be
//! described).

use common::session::UserPayload;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `{email, password}`: the email at most 254 characters, the signup
/// password 4–20 characters once trimmed (signin takes any non-blank one).
#[derive(Serialize, ToSchema)]
#[schema(as = Credentials)]
pub(super) struct CredentialsBody {
    #[schema(format = Email, max_length = 254, examples("test@test.com"))]
    email: String,
    #[schema(min_length = 4, max_length = 20, examples("password"))]
    password: String,
}

/// `{"currentUser": {id, email, iat, exp}}`, or `{"currentUser": null}`.
#[derive(Serialize, ToSchema)]
#[schema(as = CurrentUser)]
#[serde(rename_all = "camelCase")]
pub(super) struct CurrentUserBody {
    #[schema(required = true)]
    current_user: Option<UserPayload>,
}

/// Signout's `{}`.
#[derive(Serialize, ToSchema)]
#[schema(as = SignedOut)]
pub(super) struct SignedOutBody {}

#[derive(OpenApi)]
#[openapi(
    paths(super::signup::signup, super::signin::signin, super::signout::signout, super::current_user::current_user),
    components(schemas(CredentialsBody, CurrentUserBody, SignedOutBody, super::view::UserView, UserPayload)),
    tags((name = "auth", description = "Accounts and the session cookie (contract 3.1)"))
)]
struct Auth;

/// The path of this service's own document.
pub(super) const PATH: &str = "/api/users/openapi.json";

/// auth's document: `/api/users/…`.
pub fn document() -> utoipa::openapi::OpenApi {
    common::openapi::document("auth", Auth::openapi())
}
