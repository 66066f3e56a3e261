//! Round trips and every way a session can be defective.

use super::*;
use axum::http::HeaderMap;

const KEY: &str = "test-jwt-key";

fn headers_with(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
    headers
}

/// The `Cookie` request header a browser would send back for `set_cookie`.
fn echo(set_cookie: &HeaderValue) -> HeaderMap {
    let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
    headers_with(&pair)
}

fn user_id() -> ObjectId {
    ObjectId::parse("6561a0c0f1e2d3c4b5a69788").unwrap()
}

#[test]
fn an_issued_cookie_reads_back_as_the_same_user() {
    let sessions = Sessions::new(KEY, 86_400, true);
    let (token, payload) = sessions.issue(&user_id(), "test@test.com").unwrap();
    let read = sessions.read(&echo(&sessions.cookie_for(&token))).expect("session should be valid");
    assert_eq!(read, payload);
    assert_eq!(read.exp - read.iat, 86_400);
}

#[test]
fn the_token_has_the_original_header_and_claim_order() {
    let sessions = Sessions::new(KEY, 60, true);
    let (token, _) = sessions.issue(&user_id(), "test@test.com").unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let header = String::from_utf8(url.decode(parts.next().unwrap()).unwrap()).unwrap();
    let claims = String::from_utf8(url.decode(parts.next().unwrap()).unwrap()).unwrap();
    assert_eq!(header, r#"{"alg":"HS256","typ":"JWT"}"#);
    assert!(claims.starts_with(r#"{"id":"6561a0c0f1e2d3c4b5a69788","email":"test@test.com","iat":"#), "{claims}");
}

#[test]
fn cookies_carry_the_contract_attributes_in_order() {
    let secure = Sessions::new(KEY, 86_400, true);
    let cookie = secure.cookie_for("abc.def.ghi");
    let value = STANDARD.encode(r#"{"jwt":"abc.def.ghi"}"#);
    assert_eq!(cookie, format!("express:sess={value}; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax; Secure"));
    assert_eq!(
        secure.clearing_cookie(),
        "express:sess=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax; Secure"
    );
    let plain = Sessions::new(KEY, 30, false);
    assert!(plain.cookie_for("t").to_str().unwrap().ends_with("Max-Age=30; HttpOnly; SameSite=Lax"));
    assert!(plain.clearing_cookie().to_str().unwrap().ends_with("SameSite=Lax"));
}

#[test]
fn a_cookie_written_by_the_original_node_app_is_read() {
    // cookie-session 1.x writes padded standard base64 of {"jwt":"..."}; the
    // token here carries exp, as ours do.
    let sessions = Sessions::verifier(KEY);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = serde_json::json!({"id":"6561a0c0f1e2d3c4b5a69788","email":"a@b.co","iat":now,"exp":now+60});
    let token = sessions.sign(&claims).unwrap();
    let cookie =
        format!("other=1; express:sess={}; express:sess=ignored", STANDARD.encode(format!("{{\"jwt\":\"{token}\"}}")));
    assert_eq!(sessions.read(&headers_with(&cookie)).unwrap().email, "a@b.co");
}

#[test]
fn url_safe_and_unpadded_base64_are_accepted() {
    let sessions = Sessions::new(KEY, 60, true);
    let (token, _) = sessions.issue(&user_id(), "x@y.co").unwrap();
    let json = format!("{{\"jwt\":\"{token}\"}}");
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&json);
    assert!(sessions.read(&headers_with(&format!("express:sess={url}"))).is_some());
}

#[test]
fn defective_sessions_are_anonymous() {
    let sessions = Sessions::new(KEY, 60, true);
    let other = Sessions::new("another-key", 60, true);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (good, _) = sessions.issue(&user_id(), "x@y.co").unwrap();
    let wrap = |token: &str| format!("express:sess={}", STANDARD.encode(format!("{{\"jwt\":\"{token}\"}}")));
    let claims = |value: serde_json::Value| sessions.sign(&value).unwrap();

    let mut tampered = good.clone();
    tampered.replace_range(tampered.len() - 3.., "AAA");
    let cases = [
        ("garbage value", "express:sess=%%%not-base64".to_owned()),
        ("base64 of non-json", format!("express:sess={}", STANDARD.encode("hello"))),
        ("json without jwt", format!("express:sess={}", STANDARD.encode("{\"user\":1}"))),
        ("jwt not a string", format!("express:sess={}", STANDARD.encode("{\"jwt\":5}"))),
        ("tampered signature", wrap(&tampered)),
        ("signed with another key", wrap(&other.issue(&user_id(), "x@y.co").unwrap().0)),
        (
            "expired beyond leeway",
            wrap(&claims(
                serde_json::json!({"id":"6561a0c0f1e2d3c4b5a69788","email":"x@y.co","iat":now-200,"exp":now-100}),
            )),
        ),
        (
            "no exp, as the original issued",
            wrap(&claims(serde_json::json!({"id":"6561a0c0f1e2d3c4b5a69788","email":"x@y.co","iat":now}))),
        ),
        ("id not 24-hex", wrap(&claims(serde_json::json!({"id":"123","email":"x@y.co","iat":now,"exp":now+60})))),
        ("no email", wrap(&claims(serde_json::json!({"id":"6561a0c0f1e2d3c4b5a69788","iat":now,"exp":now+60})))),
        ("no iat", wrap(&claims(serde_json::json!({"id":"6561a0c0f1e2d3c4b5a69788","email":"x@y.co","exp":now+60})))),
        ("alg none", wrap(&format!("{}.{}.", STANDARD.encode("{\"alg\":\"none\"}"), STANDARD.encode("{}")))),
        ("empty cookie", "express:sess=".to_owned()),
        ("other cookie name", format!("express:sess.sig={}", wrap(&good).trim_start_matches("express:sess="))),
    ];
    for (label, cookie) in cases {
        assert_eq!(sessions.read(&headers_with(&cookie)), None, "{label} should be anonymous");
    }
    assert!(sessions.read(&headers_with(&wrap(&good))).is_some(), "control: the good token is valid");
}

#[test]
fn an_expiry_inside_the_leeway_is_still_accepted() {
    let sessions = Sessions::new(KEY, 60, true);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = sessions
        .sign(&serde_json::json!({"id":"6561a0c0f1e2d3c4b5a69788","email":"x@y.co","iat":now-100,"exp":now-10}))
        .unwrap();
    assert!(sessions.verify(&token).is_some());
}

#[test]
fn debug_output_never_shows_the_key() {
    let printed = format!("{:?}", Sessions::new("super-secret-key", 60, true));
    assert!(!printed.contains("super-secret-key"), "{printed}");
}
