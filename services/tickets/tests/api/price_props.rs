//! Property tests for the price rule (contract 3.2), the first parser the
//! writing routes reach: arbitrary field text never panics and yields a
//! price only inside the rule; every valid price, as a number or a digit
//! string, is read back to the exact cents. `fuzz/` drives the same function
//! with coverage guidance.

use proptest::prelude::*;
use tickets::price::{MAX_CENTS, MIN_CENTS, Route, parse};

proptest! {
    #[test]
    fn whatever_passes_is_whole_cents_inside_the_bounds(raw in ".{0,40}|-?[0-9]{0,9}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{1,4})?") {
        for route in [Route::Create, Route::Update] {
            if let Ok(cents) = parse(Some(&raw), route) {
                prop_assert!((MIN_CENTS..=MAX_CENTS).contains(&cents.0), "{} gave {:?}", raw, cents);
            }
        }
    }

    #[test]
    fn every_valid_price_reads_back_exactly(cents in MIN_CENTS..=MAX_CENTS, quoted in any::<bool>()) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        let raw = if quoted { format!("\"{text}\"") } else { text };
        prop_assert_eq!(parse(Some(&raw), Route::Create).map(|c| c.0), Ok(cents));
    }

    #[test]
    fn prices_below_the_minimum_are_refused(cents in 1i64..MIN_CENTS) {
        let raw = format!("{}.{:02}", cents / 100, cents % 100);
        prop_assert_eq!(parse(Some(&raw), Route::Create), Err("Price must be at least 0.50"));
    }
}
