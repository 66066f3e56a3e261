//! `POST /api/users/signout`: always 200 `{}` and the clearing cookie.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

const CLEARING: &str =
    "express:sess=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax; Secure";

#[tokio::test]
async fn signing_out_clears_the_cookie_signed_in_or_not_whatever_the_body() {
    let app = spawn_app().await;
    let cookie = app.signed_up("test@test.com", "password").await;
    for (cookie, body) in
        [(Some(cookie.as_str()), "{}"), (None, ""), (None, "not json"), (Some("express:sess=zzz"), "[]")]
    {
        let reply = app.api.send_raw(reqwest::Method::POST, "/api/users/signout", cookie, body).await;
        assert_eq!(reply.code(), 200, "{body:?}");
        assert_eq!(reply.body, json!({}));
        assert_eq!(reply.set_cookies(), vec![CLEARING.to_owned()]);
    }
}

#[tokio::test]
async fn the_clearing_cookie_follows_cookie_secure() {
    let app = spawn_app_with(false).await;
    let reply = app.api.post("/api/users/signout", None, &json!({})).await;
    assert_eq!(reply.set_cookies(), vec![CLEARING.trim_end_matches("; Secure").to_owned()]);
}

#[tokio::test]
async fn auth_answers_are_never_cached_or_sniffed() {
    let app = crate::helpers::spawn_app().await;
    let signin = app.signin(&serde_json::json!({})).await;
    let signout = app.api.post("/api/users/signout", None, &serde_json::json!({})).await;
    let current = app.current_user(None).await;
    for reply in [signin, signout, current] {
        assert_eq!(reply.headers["cache-control"], "no-store", "{reply:?}");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{reply:?}");
    }
}
