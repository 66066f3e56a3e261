//! Money as integer cents inside, a JSON number of dollars on the wire.
//!
//! The original multiplied a float price by 100 and sent Stripe amounts like
//! 1998.9999999999998. Here a price is parsed from the exact decimal text the
//! client sent, stored as `i64` cents, and written back in its shortest exact
//! form (`20`, `12.5`, `19.99`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An amount of US cents. Serializes as dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

/// Why a decimal text is not a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    /// Not a plain decimal number (`abc`, `1e3`, `-`, empty).
    NotANumber,
    /// More than two non-zero decimals (`19.999`).
    TooPrecise,
    /// Too many digits to be any sensible price.
    Overflow,
}

impl Cents {
    /// Parses a plain decimal such as `12`, `-10`, `19.990` or `.5` exactly.
    /// Trailing zeros after the second decimal are allowed (`19.990` is
    /// 1999 cents); a non-zero third decimal is [`DecimalError::TooPrecise`].
    /// Exponents are not accepted: `1e3` is read as not a number.
    pub fn parse_decimal(text: &str) -> Result<Self, DecimalError> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
            return Err(DecimalError::NotANumber);
        }
        if unsigned.ends_with('.') && fraction.is_empty() && whole.is_empty() {
            return Err(DecimalError::NotANumber);
        }
        let (kept, rest) = fraction.split_at(fraction.len().min(2));
        if rest.bytes().any(|b| b != b'0') {
            return Err(DecimalError::TooPrecise);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 15 {
            return Err(DecimalError::Overflow);
        }
        let dollars: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| DecimalError::Overflow)? };
        let mut cents: i64 = if kept.is_empty() { 0 } else { kept.parse().map_err(|_| DecimalError::NotANumber)? };
        if kept.len() == 1 {
            cents *= 10;
        }
        let total = dollars * 100 + cents;
        Ok(Self(if negative { -total } else { total }))
    }

    /// The amount in dollars as an `f64`, only for serializing: every cent
    /// value up to Stripe's limits is exactly recoverable from its shortest
    /// decimal form.
    fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Cents {
    /// `20`, `12.5`, `19.99`: the wire form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (dollars, cents) = (abs / 100, abs % 100);
        match cents {
            0 => write!(f, "{sign}{dollars}"),
            c if c % 10 == 0 => write!(f, "{sign}{dollars}.{}", c / 10),
            c => write!(f, "{sign}{dollars}.{c:02}"),
        }
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Whole dollars go out as integers: serde_json would print 20.0 for an f64.
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.dollars())
        }
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Cents;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a price in dollars with at most two decimals")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cents, E> {
                v.checked_mul(100).map(Cents).ok_or_else(|| E::custom("price out of range"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cents, E> {
                i64::try_from(v).map_err(E::custom).and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cents, E> {
                // Prices on the wire come from our own services, written from
                // exact cents, so the nearest cent is the value that was meant.
                let cents = (v * 100.0).round();
                if !cents.is_finite() || cents.abs() > 1e15 || (v * 100.0 - cents).abs() > 1e-6 {
                    return Err(E::custom(format!("{v} is not a whole number of cents")));
                }
                Ok(Cents(cents as i64))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        let cases = [
            ("20", Ok(2000)),
            ("19.99", Ok(1999)),
            ("19.990", Ok(1999)),
            ("12.5", Ok(1250)),
            (".5", Ok(50)),
            ("0", Ok(0)),
            ("-10", Ok(-1000)),
            ("007.10", Ok(710)),
            ("19.999", Err(DecimalError::TooPrecise)),
            ("0.001", Err(DecimalError::TooPrecise)),
            ("abc", Err(DecimalError::NotANumber)),
            ("", Err(DecimalError::NotANumber)),
            (".", Err(DecimalError::NotANumber)),
            ("1e3", Err(DecimalError::NotANumber)),
            ("1.2.3", Err(DecimalError::NotANumber)),
            ("99999999999999999999", Err(DecimalError::Overflow)),
        ];
        for (text, expected) in cases {
            assert_eq!(Cents::parse_decimal(text).map(|c| c.0), expected, "parsing {text:?}");
        }
    }

    #[test]
    fn prices_serialize_in_their_shortest_exact_form() {
        for (cents, json) in [(2000, "20"), (1250, "12.5"), (1999, "19.99"), (1, "0.01"), (99_999_999, "999999.99")] {
            assert_eq!(serde_json::to_string(&Cents(cents)).unwrap(), json);
            assert_eq!(Cents(cents).to_string(), json);
            assert_eq!(serde_json::from_str::<Cents>(json).unwrap(), Cents(cents));
        }
    }

    #[test]
    fn a_fractional_cent_on_the_wire_is_refused() {
        assert!(serde_json::from_str::<Cents>("19.995").is_err());
    }
}
