//! The request body reader every writing route starts with (contract 2.1:
//! a JSON object, an empty body is `{}`) on arbitrary bytes, then each
//! field rule on what it yields: never a panic.
#![no_main]

use common::extract::JsonObject;
use libfuzzer_sys::fuzz_target;
use tickets::price::{Route, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = JsonObject::parse(data) else { return };
    let _ = parse(body.raw("price"), Route::Create);
    if let Some(email) = body.string("email") {
        let _ = auth::email::normalize(&email);
    }
    let _ = body.string("ticketId").as_deref().map(common::id::ObjectId::parse);
});
