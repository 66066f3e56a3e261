//! Path and body ids (contract 2.2) on arbitrary text: accepted exactly
//! when 24 hex characters, and written lower-cased.
#![no_main]

use common::id::ObjectId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let valid = text.len() == 24 && text.bytes().all(|b| b.is_ascii_hexdigit());
    let parsed = ObjectId::parse(text);
    assert_eq!(parsed.is_some(), valid);
    if let Some(id) = parsed {
        assert_eq!(id.as_str(), text.to_ascii_lowercase());
    }
});
