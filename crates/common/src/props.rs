//! Property tests for the parsers a request reaches first: the session
//! cookie and its JWT, path ids, and the exact decimal reader behind every
//! price. Each runs on arbitrary input (nothing may panic, nothing forged may
//! pass) and on generated valid input (everything valid must pass, unchanged).
//! `fuzz/` drives the same entry points with coverage guidance.

use axum::http::{HeaderMap, HeaderValue, header::COOKIE};
use proptest::prelude::*;

use crate::{
    id::ObjectId,
    money::{Cents, Decimal},
    session::Sessions,
};

fn sessions() -> Sessions {
    Sessions::new("a-test-key-of-reasonable-length", 3600, true)
}

fn cookie_headers(value: &str) -> Option<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(value).ok()?);
    Some(headers)
}

/// The `express:sess` value carrying `token`, as signup sets it.
fn cookie_value(sessions: &Sessions, token: &str) -> String {
    let set_cookie = sessions.cookie_for(token);
    let text = set_cookie.to_str().expect("ASCII");
    text.split(';').next().expect("a pair").trim().to_owned()
}

proptest! {
    #[test]
    fn an_arbitrary_cookie_header_is_anonymous(value in ".{0,300}") {
        if let Some(headers) = cookie_headers(&value) {
            prop_assert_eq!(sessions().read(&headers), None);
        }
    }

    #[test]
    fn an_arbitrary_session_value_is_anonymous(value in "[A-Za-z0-9+/=_-]{0,400}") {
        let headers = cookie_headers(&format!("express:sess={value}")).expect("base64 is header text");
        prop_assert_eq!(sessions().read(&headers), None);
    }

    #[test]
    fn an_issued_session_reads_back_among_other_cookies(
        id in "[0-9a-f]{24}",
        email in "[a-z]{1,10}@[a-z]{1,10}\\.com",
        before in "([a-z]{1,8}=[a-z0-9]{0,8}; ){0,3}",
    ) {
        let sessions = sessions();
        let id = ObjectId::parse(&id).expect("24 hex");
        let (token, payload) = sessions.issue(&id, &email).expect("signs");
        let headers = cookie_headers(&format!("{before}{}", cookie_value(&sessions, &token))).expect("header text");
        prop_assert_eq!(sessions.read(&headers), Some(payload));
    }

    #[test]
    fn a_token_changed_anywhere_is_refused(position in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_.-]") {
        let sessions = sessions();
        let (token, _) = sessions.issue(&ObjectId::generate(), "a@b.co").expect("signs");
        let index = position.index(token.len());
        let original = &token[index..=index];
        prop_assume!(original != replacement);
        let forged = format!("{}{replacement}{}", &token[..index], &token[index + 1..]);
        prop_assert_eq!(sessions.verify(&forged), None, "{} accepted", forged);
    }

    #[test]
    fn an_id_parses_exactly_when_it_is_24_hex(text in "[0-9a-fA-Fg-z]{20,28}|.{0,30}") {
        let valid = text.len() == 24 && text.bytes().all(|b| b.is_ascii_hexdigit());
        let parsed = ObjectId::parse(&text);
        prop_assert_eq!(parsed.is_some(), valid);
        if let Some(id) = parsed {
            prop_assert_eq!(id.as_str(), text.to_ascii_lowercase());
        }
    }

    #[test]
    fn any_text_is_a_decimal_or_refused_without_panicking(text in ".{0,64}") {
        if let Some(decimal) = Decimal::parse(&text) {
            let _ = decimal.to_cents();
        }
        let _ = Decimal::parse_json_number(&text);
    }

    #[test]
    fn every_amount_of_cents_reads_back_from_its_dollar_text(cents in 1i64..=99_999_999, zeros in 0usize..3) {
        let text = format!("{}.{:02}{}", cents / 100, cents % 100, "0".repeat(zeros));
        for decimal in [Decimal::parse(&text), Decimal::parse_json_number(&text)] {
            prop_assert_eq!(decimal.expect("a decimal").to_cents(), Ok(Cents(cents)));
        }
        let wire = serde_json::to_string(&Cents(cents)).expect("serialises");
        prop_assert_eq!(Decimal::parse_json_number(&wire).expect("a number").to_cents(), Ok(Cents(cents)));
    }
}
