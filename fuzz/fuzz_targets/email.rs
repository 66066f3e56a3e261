//! The email rule (contract 3.1) on arbitrary text: never a panic, and an
//! accepted address is the trimmed input lower-cased, with one `@`, at most
//! 254 characters, and stable (normalising it again changes nothing).
#![no_main]

use auth::email::normalize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(email) = normalize(text) {
        assert!(email.chars().count() <= 254, "{text:?}");
        assert_eq!(email.matches('@').count(), 1, "{text:?}");
        assert_eq!(email, text.trim().to_lowercase(), "{text:?}");
        assert_eq!(email, email.to_lowercase(), "{text:?}");
        assert_eq!(normalize(&email).as_deref(), Some(email.as_str()), "{text:?}: normalising twice changed it");
    }
});
