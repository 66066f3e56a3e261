//! The session reader (contract 2.3) on arbitrary `Cookie` header bytes: it
//! must never panic, and nothing unsigned may read as a user. The bytes are
//! tried as a whole header and as the value of the session cookie itself, so
//! the base64, JSON and JWT layers are reached from the first input.
#![no_main]

use common::session::Sessions;
use http::{HeaderMap, HeaderValue, header::COOKIE};
use libfuzzer_sys::fuzz_target;

fn anonymous(sessions: &Sessions, header: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(header) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, value);
    assert!(sessions.read(&headers).is_none(), "a forged session was accepted: {header:?}");
}

fuzz_target!(|data: &[u8]| {
    let sessions = Sessions::verifier("fuzzing-key");
    anonymous(&sessions, data);
    anonymous(&sessions, &[&b"express:sess="[..], data].concat());
    if let Ok(token) = std::str::from_utf8(data) {
        assert!(sessions.verify(token).is_none(), "a forged token was accepted: {token:?}");
    }
});
