//! The price rule (contract 3.2) on arbitrary field text: never a panic,
//! and a price only between the minimum and the maximum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickets::price::{MAX_CENTS, MIN_CENTS, Route, parse};

fuzz_target!(|text: &str| {
    for route in [Route::Create, Route::Update] {
        if let Ok(cents) = parse(Some(text), route) {
            assert!((MIN_CENTS..=MAX_CENTS).contains(&cents.0), "{text:?} gave {cents:?}");
        }
    }
});
