//! The email rule (contract 3.1) on arbitrary text: never a panic, and an
//! accepted address is lower-cased, at most 254 characters, and stable.
#![no_main]

use auth::email::normalize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(email) = normalize(text) {
        assert!(email.chars().count() <= 254);
        assert_eq!(email, email.to_lowercase());
        assert_eq!(normalize(&email).as_deref(), Some(email.as_str()));
    }
});
