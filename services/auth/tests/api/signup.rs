//! `POST /api/users/signup`: every outcome, the cookie, and the race.

use common::session::COOKIE_NAME;
use futures::future::join_all;
use serde_json::json;

use crate::helpers::{TTL, claims_of, credentials, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_valid_signup_answers_201_with_the_user_and_a_session_cookie() {
    let app = spawn_app().await;
    let reply = app.signup(&credentials("test@test.com", "password")).await;

    assert_eq!(reply.code(), 201);
    let id = reply.body["id"].as_str().expect("an id");
    assert_eq!(id.len(), 24, "a 24-hex ObjectId: {id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(reply.body, json!({"id": id, "email": "test@test.com"}), "no hash, no password, nothing else");

    let set_cookies = reply.set_cookies();
    assert_eq!(set_cookies.len(), 1, "exactly one cookie (no .sig): {set_cookies:?}");
    let (pair, attributes) = set_cookies[0].split_once(';').unwrap();
    assert!(pair.starts_with(&format!("{COOKIE_NAME}=")));
    assert_eq!(attributes, format!(" Path=/; Max-Age={TTL}; HttpOnly; SameSite=Lax; Secure"));

    let (header, claims) = claims_of(pair);
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
    assert_eq!(claims.id.to_string(), id);
    assert_eq!(claims.email, "test@test.com");
    assert_eq!(claims.exp - claims.iat, i64::try_from(TTL).unwrap(), "the token ends with the cookie");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - claims.iat).abs() <= 5, "issued now");
    assert_eq!(app.users("test@test.com").await.len(), 1, "the user is stored");
}

#[tokio::test]
async fn the_cookie_drops_secure_when_cookie_secure_is_false() {
    let app = spawn_app_with(false).await;
    let reply = app.signup(&credentials("plain@test.com", "password")).await;
    assert_eq!(reply.code(), 201);
    let cookie = &reply.set_cookies()[0];
    assert!(cookie.ends_with(&format!("; Path=/; Max-Age={TTL}; HttpOnly; SameSite=Lax")), "{cookie}");
}

#[tokio::test]
async fn the_email_is_trimmed_and_lower_cased_and_the_password_trimmed() {
    let app = spawn_app().await;
    let reply = app.signup(&credentials("  Mixed.Case@Example.COM ", "  secret  ")).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    assert_eq!(reply.body["email"], "mixed.case@example.com");
    let signin = app.signin(&credentials("mixed.case@example.com", "secret")).await;
    assert_eq!(signin.code(), 200, "the trimmed password is the one kept: {:?}", signin.body);
}

#[tokio::test]
async fn every_invalid_field_is_reported_email_first() {
    let app = spawn_app().await;
    let email_error = json!({"message": "Email must be valid", "field": "email"});
    let password_error = json!({"message": "Password must be between 4 and 20 characters", "field": "password"});
    let cases = [
        (json!({}), vec![&email_error, &password_error]),
        (json!({"email": "nope", "password": "abc"}), vec![&email_error, &password_error]),
        (json!({"email": "test@test.com"}), vec![&password_error]),
        (json!({"email": "test@test.com", "password": "abc"}), vec![&password_error]),
        (json!({"email": "test@test.com", "password": "  abc  "}), vec![&password_error]),
        (json!({"email": "test@test.com", "password": "a".repeat(21)}), vec![&password_error]),
        (json!({"email": "test@test.com", "password": 12345}), vec![&password_error]),
        (json!({"email": "test@test.com", "password": null}), vec![&password_error]),
        (json!({"password": "password"}), vec![&email_error]),
        (json!({"email": "a@b", "password": "password"}), vec![&email_error]),
        (json!({"email": "a..b@x.com", "password": "password"}), vec![&email_error]),
        (json!({"email": 42, "password": "password"}), vec![&email_error]),
        (json!({"email": ["a@x.com"], "password": "password"}), vec![&email_error]),
    ];
    for (body, errors) in cases {
        let reply = app.signup(&body).await;
        assert_eq!(reply.code(), 400, "{body}");
        assert_eq!(reply.body, json!({"errors": errors}), "{body}");
        assert!(reply.set_cookies().is_empty(), "no cookie on failure: {body}");
    }
    assert!(app.users("test@test.com").await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn password_length_counts_characters_not_bytes() {
    let app = spawn_app().await;
    let twenty_emoji = "🎫".repeat(20);
    assert_eq!(app.signup(&credentials("emoji@test.com", &twenty_emoji)).await.code(), 201);
    assert_eq!(app.signup(&credentials("four@test.com", "abcd")).await.code(), 201);
    assert_eq!(app.signup(&credentials("twenty@test.com", &"a".repeat(20))).await.code(), 201);
    assert_eq!(app.signup(&credentials("long@test.com", &"🎫".repeat(21))).await.code(), 400);
}

#[tokio::test]
async fn an_email_in_use_in_any_case_is_refused() {
    let app = spawn_app().await;
    app.signed_up("taken@test.com", "password").await;
    for email in ["taken@test.com", "TAKEN@test.com", " Taken@Test.Com "] {
        let reply = app.signup(&credentials(email, "another")).await;
        assert_eq!(reply.code(), 400, "{email}");
        assert_eq!(reply.body, json!({"errors": [{"message": "Email in use"}]}));
        assert!(reply.set_cookies().is_empty());
    }
    assert_eq!(app.users("taken@test.com").await.len(), 1);
}

#[tokio::test]
async fn concurrent_signups_with_one_email_create_exactly_one_user() {
    let app = spawn_app().await;
    let attempts = (0..24).map(|i| {
        let email = if i % 2 == 0 { "race@test.com".to_owned() } else { "RACE@Test.com".to_owned() };
        let app = &app;
        async move { app.signup(&credentials(&email, &format!("password{i}"))).await }
    });
    let replies = join_all(attempts).await;

    let created = replies.iter().filter(|reply| reply.code() == 201).count();
    let refused: Vec<_> = replies.iter().filter(|reply| reply.code() == 400).collect();
    assert_eq!(created, 1, "exactly one winner: {:?}", replies.iter().map(|r| r.code()).collect::<Vec<_>>());
    assert_eq!(refused.len(), 23);
    for reply in refused {
        assert_eq!(reply.body, json!({"errors": [{"message": "Email in use"}]}));
    }
    assert_eq!(app.users("race@test.com").await.len(), 1, "one stored user");
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_get_the_contract_shape() {
    let app = spawn_app().await;
    for body in ["", "not json", "[1,2]", "\"text\"", "{\"email\":"] {
        let reply = app.api.send_raw(reqwest::Method::POST, "/api/users/signup", None, body).await;
        assert_eq!(reply.code(), 400, "{body:?}");
        let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "a message for {body:?}: {:?}", reply.body);
    }
    let huge = json!({"email": "big@test.com", "password": "x".repeat(70 * 1024)});
    let reply = app.signup(&huge).await;
    assert_eq!(reply.code(), 413);
    assert_eq!(reply.body, json!({"errors": [{"message": "Request body is too large"}]}));
}
