//! The request body reader every writing route starts with (contract 2.1:
//! a JSON object, an empty body is `{}`) on arbitrary bytes, then each field
//! rule on what it yields: never a panic, and a field rule passes only what
//! it allows (a price within its bounds, an email that follows its rule, an
//! id of 24 lower-case hex characters).
#![no_main]

use common::{extract::JsonObject, id::ObjectId};
use libfuzzer_sys::fuzz_target;
use tickets::price::{MAX_CENTS, MIN_CENTS, Route, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = JsonObject::parse(data) else {
        assert!(!data.iter().all(u8::is_ascii_whitespace), "an empty body is {{}}");
        return;
    };
    if let Some(raw) = body.raw("price") {
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok(), "a field is kept as JSON text: {raw:?}");
    }
    for route in [Route::Create, Route::Update] {
        if let Ok(cents) = parse(body.raw("price"), route) {
            assert!((MIN_CENTS..=MAX_CENTS).contains(&cents.0), "price {:?} gave {cents:?}", body.raw("price"));
        }
    }
    if let Some(email) = body.string("email").as_deref().and_then(auth::email::normalize) {
        assert_eq!(email.matches('@').count(), 1, "{email:?}");
        assert_eq!(email, email.to_lowercase(), "{email:?}");
    }
    if let Some(id) = body.string("ticketId").as_deref().and_then(ObjectId::parse) {
        assert!(id.as_str().len() == 24 && id.as_str().bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{id}");
    }
});
