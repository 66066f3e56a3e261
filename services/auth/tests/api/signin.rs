//! `POST /api/users/signin`: every outcome, and the same answer (and the
//! same work) for an unknown email as for a wrong password.

use serde_json::json;

use crate::helpers::{TTL, claims_of, credentials, spawn_app};

#[tokio::test]
async fn the_right_password_answers_200_with_the_user_and_a_fresh_cookie() {
    let app = spawn_app().await;
    let signup = app.signup(&credentials("test@test.com", "password")).await;
    let reply = app.signin(&credentials("TEST@test.com ", " password ")).await;

    assert_eq!(reply.code(), 200, "{:?}", reply.body);
    assert_eq!(reply.body, json!({"id": signup.body["id"], "email": "test@test.com"}));
    let set_cookies = reply.set_cookies();
    assert_eq!(set_cookies.len(), 1);
    assert!(set_cookies[0].ends_with(&format!("; Path=/; Max-Age={TTL}; HttpOnly; SameSite=Lax; Secure")));
    let (_, claims) = claims_of(&reply.session_cookie().unwrap());
    assert_eq!(claims.id.to_string(), signup.body["id"].as_str().unwrap());

    let me = app.current_user(reply.session_cookie().as_deref()).await;
    assert_eq!(me.body["currentUser"]["email"], "test@test.com", "the new cookie signs in");
}

#[tokio::test]
async fn every_invalid_field_is_reported_email_first() {
    let app = spawn_app().await;
    let email_error = json!({"message": "Email must be valid", "field": "email"});
    let password_error = json!({"message": "You must supply a password", "field": "password"});
    let cases = [
        (json!({}), vec![&email_error, &password_error]),
        (json!({"email": "bad", "password": ""}), vec![&email_error, &password_error]),
        (json!({"email": "test@test.com", "password": "   "}), vec![&password_error]),
        (json!({"email": "test@test.com", "password": 1234}), vec![&password_error]),
        (json!({"email": "test@test.com"}), vec![&password_error]),
        (json!({"email": "test@", "password": "pw"}), vec![&email_error]),
        (json!({"email": true, "password": "pw"}), vec![&email_error]),
    ];
    for (body, errors) in cases {
        let reply = app.signin(&body).await;
        assert_eq!(reply.code(), 400, "{body}");
        assert_eq!(reply.body, json!({"errors": errors}), "{body}");
    }
}

#[tokio::test]
async fn a_short_old_password_is_checked_not_judged() {
    // Signin only needs a non-blank password: a rule change must not lock
    // anyone out. A 1-character password is simply wrong, not invalid.
    let app = spawn_app().await;
    app.signed_up("test@test.com", "password").await;
    let reply = app.signin(&credentials("test@test.com", "p")).await;
    assert_eq!(reply.body, json!({"errors": [{"message": "Invalid credentials"}]}));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_are_indistinguishable() {
    let app = spawn_app().await;
    app.signed_up("known@test.com", "password").await;
    let before = app.counter("auth_password_verifications_total").await;

    let wrong_password = app.signin(&credentials("known@test.com", "wrong-password")).await;
    let after_wrong = app.counter("auth_password_verifications_total").await;
    let unknown_email = app.signin(&credentials("nobody@test.com", "wrong-password")).await;
    let after_unknown = app.counter("auth_password_verifications_total").await;

    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.code(), 400);
        assert_eq!(reply.body, json!({"errors": [{"message": "Invalid credentials"}]}));
        assert!(reply.set_cookies().is_empty(), "no cookie on failure");
    }
    // The original returned at once for an unknown email, so its timing told
    // which accounts exist. Here both run one argon2 verification.
    assert_eq!(after_wrong - before, 1.0, "a wrong password is verified");
    assert_eq!(after_unknown - after_wrong, 1.0, "an unknown email is verified against the dummy hash");
}
