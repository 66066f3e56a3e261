//! The HTTP API (contract 3.1).
//!
//! | Route | File |
//! |---|---|
//! | `POST /api/users/signup` | [`signup`] |
//! | `POST /api/users/signin` | [`signin`] |
//! | `POST /api/users/signout` | [`signout`] |
//! | `GET /api/users/currentuser` | [`current_user`] |
//! | `GET /api/users/openapi.json` | [`openapi`] (this table, described) |

mod credentials;
mod current_user;
mod openapi;
mod signin;
mod signout;
mod signup;
mod view;

use axum::{
    Router,
    http::{
        HeaderValue,
        header::{CACHE_CONTROL, X_CONTENT_TYPE_OPTIONS},
    },
    middleware,
    response::Response,
    routing::{get, post},
};

pub use self::openapi::document;
use crate::state::AppState;

/// The service's API routes, with their state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/users/signup", post(signup::signup))
        .route("/api/users/signin", post(signin::signin))
        .route("/api/users/signout", post(signout::signout))
        .route("/api/users/currentuser", get(current_user::current_user))
        .with_state(state)
        .merge(common::openapi::route(openapi::PATH, &document()))
        .layer(middleware::map_response(never_cached))
}

/// Answers carry a user and set session cookies: no cache (shared or not)
/// may keep them, and no browser may sniff them into something else.
async fn never_cached(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
