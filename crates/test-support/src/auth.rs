//! Session cookies for test users (the original's `global.signin()`).

use common::{id::ObjectId, session::Sessions};

/// The JWT key services under test are configured with.
pub const TEST_JWT_KEY: &str = "test-jwt-key-not-secret";

/// A `Cookie` header value signing in `email` with a fresh id.
pub fn session_cookie(email: &str) -> (ObjectId, String) {
    let id = ObjectId::generate();
    let cookie = session_cookie_for(&id, email);
    (id, cookie)
}

/// A `Cookie` header value signing in user `id`.
pub fn session_cookie_for(id: &ObjectId, email: &str) -> String {
    let sessions = Sessions::new(TEST_JWT_KEY, 3600, false);
    let (token, _) = sessions.issue(id, email).expect("signing a test token");
    let set_cookie = sessions.cookie_for(&token);
    set_cookie.to_str().expect("ascii cookie").split(';').next().expect("name=value").to_owned()
}
