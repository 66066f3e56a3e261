//! `GET /api/users/currentuser`: the claims of a valid session, else null,
//! and never a cookie.

use base64::Engine as _;
use common::{id::ObjectId, session::Sessions};
use serde_json::{Value, json};
use test_support::TEST_JWT_KEY;

use crate::helpers::{claims_of, spawn_app};

fn cookie_with(token: &str) -> String {
    let session = json!({ "jwt": token }).to_string();
    format!("express:sess={}", base64::engine::general_purpose::STANDARD.encode(session))
}

#[tokio::test]
async fn a_signed_in_user_gets_their_claims() {
    let app = spawn_app().await;
    let cookie = app.signed_up("test@test.com", "password").await;
    let (_, claims) = claims_of(&cookie);
    let reply = app.current_user(Some(&cookie)).await;
    assert_eq!(reply.code(), 200);
    assert_eq!(
        reply.body,
        json!({"currentUser": {"id": claims.id, "email": "test@test.com", "iat": claims.iat, "exp": claims.exp}})
    );
    assert!(reply.set_cookies().is_empty(), "reading a session never writes one");
}

#[tokio::test]
async fn anyone_without_a_valid_session_is_anonymous() {
    let app = spawn_app().await;
    let cookie = app.signed_up("test@test.com", "password").await;
    let (_, claims) = claims_of(&cookie);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ours = Sessions::new(TEST_JWT_KEY, 60, true);
    let theirs = Sessions::new("another-key", 60, true);
    let id = ObjectId::generate();
    let good_token = serde_json::from_slice::<Value>(
        &base64::engine::general_purpose::STANDARD.decode(cookie.trim_start_matches("express:sess=")).unwrap(),
    )
    .unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tampered = good_token.clone();
    tampered.replace_range(tampered.len() - 3.., if tampered.ends_with("AAA") { "BBB" } else { "AAA" });

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no cookie", None),
        ("garbage", Some("express:sess=%%%not-base64".into())),
        ("not json inside", Some(format!("express:sess={}", base64::engine::general_purpose::STANDARD.encode("x")))),
        ("tampered signature", Some(cookie_with(&tampered))),
        ("another key", Some(cookie_with(&theirs.sign(&claims).unwrap()))),
        (
            "expired",
            Some(cookie_with(
                &ours.sign(&json!({"id": id, "email": "a@x.com", "iat": now - 7200, "exp": now - 3600})).unwrap(),
            )),
        ),
        (
            "no exp, as the original issued",
            Some(cookie_with(&ours.sign(&json!({"id": id, "email": "a@x.com", "iat": now})).unwrap())),
        ),
        (
            "an id that is not an ObjectId",
            Some(cookie_with(
                &ours.sign(&json!({"id": "42", "email": "a@x.com", "iat": now, "exp": now + 60})).unwrap(),
            )),
        ),
        ("another cookie name", Some(cookie.replace("express:sess", "session"))),
    ];
    for (case, cookie) in cases {
        let reply = app.current_user(cookie.as_deref()).await;
        assert_eq!(reply.code(), 200, "{case}");
        assert_eq!(reply.body, json!({"currentUser": null}), "{case}");
        assert!(reply.set_cookies().is_empty(), "{case}: no cookie is set");
    }
}

#[tokio::test]
async fn a_cookie_from_the_original_node_app_is_read() {
    // cookie-session wrote `{"jwt": ...}` in base64; Node's jsonwebtoken the
    // same header. A token from the original with `exp` added is accepted,
    // so a Node service and this one can share users during a migration.
    let app = spawn_app().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let id = ObjectId::generate();
    let token = Sessions::new(TEST_JWT_KEY, 60, true)
        .sign(&json!({"id": id, "email": "node@test.com", "iat": now, "exp": now + 600}))
        .unwrap();
    let unpadded = cookie_with(&token).trim_end_matches('=').to_owned();
    let reply = app.current_user(Some(&format!("other=1; {unpadded}"))).await;
    assert_eq!(reply.body["currentUser"]["id"], json!(id));
}
