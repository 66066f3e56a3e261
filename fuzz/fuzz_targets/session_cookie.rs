//! The session reader (contract 2.3) on arbitrary `Cookie` header bytes:
//! it must never panic, and nothing unsigned may read as a user.
#![no_main]

use common::session::Sessions;
use http::{HeaderMap, HeaderValue, header::COOKIE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sessions = Sessions::verifier("fuzzing-key");
    let Ok(value) = HeaderValue::from_bytes(data) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, value);
    assert!(sessions.read(&headers).is_none(), "a forged session was accepted");
});
