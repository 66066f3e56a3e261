//! The price rule (contract 3.2) and the exact decimal reader behind it, on
//! arbitrary field text: never a panic; a price only between the minimum and
//! the maximum, the same whichever route reads it; and what is accepted
//! round-trips: its wire form (a number, or a digit string) reads back to the
//! same cents, as does any amount the decimal reader yields.
#![no_main]

use common::money::{Cents, Decimal};
use libfuzzer_sys::fuzz_target;
use tickets::price::{MAX_CENTS, MIN_CENTS, Route, parse};

/// Parses `text` as the price field both routes read, checking that they agree.
fn price(text: &str) -> Result<Cents, &'static str> {
    let create = parse(Some(text), Route::Create);
    let update = parse(Some(text), Route::Update);
    match (&create, &update) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}: the routes read different prices"),
        (Err(_), Err(_)) => {}
        _ => panic!("{text:?}: accepted by one route only ({create:?}, {update:?})"),
    }
    create
}

fuzz_target!(|text: &str| {
    if let Ok(cents) = price(text) {
        assert!((MIN_CENTS..=MAX_CENTS).contains(&cents.0), "{text:?} gave {cents:?}");
        let wire = serde_json::to_string(&cents).expect("cents serialize");
        assert_eq!(wire, cents.to_string(), "the JSON form is the display form");
        assert_eq!(price(&wire), Ok(cents), "{text:?}: its wire form {wire} reads back differently");
        assert_eq!(price(&format!("\"{wire}\"")), Ok(cents), "{text:?}: the quoted form of {wire} reads back differently");
        assert_eq!(serde_json::from_str::<Cents>(&wire).ok(), Some(cents), "{text:?}: {wire} deserializes differently");
    }
    // The decimal reader itself, which the rule reaches only through JSON.
    for decimal in [Decimal::parse(text), Decimal::parse_json_number(text)].into_iter().flatten() {
        if let Ok(cents) = decimal.to_cents() {
            let shown = cents.to_string();
            assert_eq!(Decimal::parse(&shown).map(|d| d.to_cents()), Some(Ok(cents)), "{text:?} gave {cents:?}, shown {shown}");
            assert_eq!(decimal.is_positive(), cents.0 > 0, "{text:?} gave {cents:?}");
        }
    }
});
