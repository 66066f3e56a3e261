//! The price rule (contract 3.2), read from the exact JSON text the client
//! sent by `common`'s [`Decimal`], never through a float: `19.990` is 1999
//! cents, `19.999` is refused.
//!
//! At most one error, from the first failing check:
//! 1. a JSON number, or a digit string such as `"12.5"`, greater than 0;
//! 2. at most two decimals in its exact value;
//! 3. at most 999999.99 (Stripe's USD maximum);
//! 4. at least 0.50 (Stripe's USD minimum charge: a cheaper ticket could be
//!    listed and ordered but never paid).

use common::money::{Cents, Decimal, DecimalError};

/// The highest price a ticket may have, in cents.
pub const MAX_CENTS: i64 = 99_999_999;

/// The lowest price a ticket may have, in cents: Stripe charges no less.
pub const MIN_CENTS: i64 = 50;

/// Which route reads the price: the first check's message differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /api/tickets`.
    Create,
    /// `PUT /api/tickets/{id}`.
    Update,
}

/// Checks `raw` (the field's JSON text, `None` when absent) against the rule.
pub fn parse(raw: Option<&str>, route: Route) -> Result<Cents, &'static str> {
    let not_positive = match route {
        Route::Create => "Price must be greater than 0",
        Route::Update => "Price must be provided and must be greater than 0",
    };
    let decimal = raw
        .map(str::trim)
        .and_then(|text| match text.bytes().next()? {
            // The body already parsed as JSON, so this is a valid JSON number;
            // it is read from its text (a float would lose 1e400 or 19.999).
            b'-' | b'0'..=b'9' => Decimal::parse_json_number(text),
            b'"' => Decimal::parse(&serde_json::from_str::<String>(text).ok()?),
            _ => None,
        })
        .filter(Decimal::is_positive)
        .ok_or(not_positive)?;
    match decimal.to_cents() {
        Err(DecimalError::TooPrecise) => Err("Price must have at most 2 decimal places"),
        Ok(cents) if cents.0 < MIN_CENTS => Err("Price must be at least 0.50"),
        Ok(cents) if cents.0 <= MAX_CENTS => Ok(cents),
        _ => Err("Price must be at most 999999.99"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSITIVE: &str = "Price must be greater than 0";
    const DECIMALS: &str = "Price must have at most 2 decimal places";
    const MAXIMUM: &str = "Price must be at most 999999.99";
    const MINIMUM: &str = "Price must be at least 0.50";

    #[test]
    fn every_case_of_the_rule() {
        let cases: [(Option<&str>, Result<i64, &str>); 28] = [
            (Some("20"), Ok(2000)),
            (Some("19.99"), Ok(1999)),
            (Some("19.990"), Ok(1999)),
            (Some("12.5"), Ok(1250)),
            (Some("0.01"), Err(MINIMUM)),
            (Some("0.49"), Err(MINIMUM)),
            (Some("0.50"), Ok(50)),
            (Some("1e2"), Ok(10_000)),
            (Some("1.5E1"), Ok(1500)),
            (Some("2500e-2"), Ok(2500)),
            (Some("\"12.5\""), Ok(1250)),
            (Some("\".5\""), Ok(50)),
            (Some("999999.99"), Ok(99_999_999)),
            (None, Err(POSITIVE)),
            (Some("null"), Err(POSITIVE)),
            (Some("0"), Err(POSITIVE)),
            (Some("0.000"), Err(POSITIVE)),
            (Some("-10"), Err(POSITIVE)),
            (Some("\"abc\""), Err(POSITIVE)),
            (Some("\"-10\""), Err(POSITIVE)),
            (Some("\" 12\""), Err(POSITIVE)),
            (Some("\"\""), Err(POSITIVE)),
            (Some("true"), Err(POSITIVE)),
            (Some("[1]"), Err(POSITIVE)),
            (Some("19.999"), Err(DECIMALS)),
            (Some("0.001"), Err(DECIMALS)),
            (Some("1000000"), Err(MAXIMUM)),
            (Some("1e400"), Err(MAXIMUM)),
        ];
        for (raw, expected) in cases {
            assert_eq!(parse(raw, Route::Create).map(|c| c.0), expected, "price {raw:?}");
        }
    }

    #[test]
    fn an_update_words_the_first_check_differently() {
        assert_eq!(parse(None, Route::Update), Err("Price must be provided and must be greater than 0"));
        assert_eq!(parse(Some("19.999"), Route::Update), Err(DECIMALS));
    }
}
