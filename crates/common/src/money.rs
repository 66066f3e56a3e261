//! Money as integer cents inside, a JSON number of dollars on the wire.
//!
//! The original multiplied a float price by 100 and sent Stripe amounts like
//! 1998.9999999999998. Here a price is parsed from the exact decimal text the
//! client sent ([`Decimal`], the one exact parser), stored as `i64` cents, and
//! written back in its shortest exact form (`20`, `12.5`, `19.99`).

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
        Decimal::parse(text).ok_or(DecimalError::NotANumber)?.to_cents()
    }

    /// The amount in dollars as an `f64`, only for serializing: every cent
    /// value up to Stripe's limits is exactly recoverable from its shortest
    /// decimal form.
    fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// A decimal number exactly as written, never through a float: its
/// significant digits and how many of them are decimals (negative after a
/// large exponent), so `19.990` and `1.999e1` compare by their true value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    /// All digits, without the point.
    digits: String,
    /// `value = digits / 10^scale`.
    scale: i64,
}

/// The most digits an amount of cents may have (15 for the dollars).
const MAX_CENT_DIGITS: usize = 17;
/// Exponents beyond this make any price absurd; refusing them keeps the
/// arithmetic small.
const MAX_EXPONENT: i64 = 1000;

impl Decimal {
    /// Digits with at most one point and at least one digit, optionally
    /// after a `-`: `12`, `-10`, `12.5`, `.5`, `5.`.
    pub fn parse(text: &str) -> Option<Self> {
        let (negative, unsigned) = text.strip_prefix('-').map_or((false, text), |rest| (true, rest));
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        Some(Self { negative, digits: format!("{whole}{fraction}"), scale: i64::try_from(fraction.len()).ok()? })
    }

    /// A JSON number as RFC 8259 writes it: `-?int(.frac)?([eE][+-]?exp)?`.
    pub fn parse_json_number(text: &str) -> Option<Self> {
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let mut decimal = Self::parse(mantissa)?;
        if let Some(exponent) = exponent {
            let exponent: i64 = exponent.strip_prefix('+').unwrap_or(exponent).parse().ok()?;
            if exponent.abs() > MAX_EXPONENT {
                return None;
            }
            decimal.scale -= exponent;
        }
        Some(decimal)
    }

    /// Whether the value is above zero.
    pub fn is_positive(&self) -> bool {
        !self.negative && self.digits.bytes().any(|b| b != b'0')
    }

    /// The exact amount in cents: [`DecimalError::TooPrecise`] past two
    /// non-zero decimals, [`DecimalError::Overflow`] past 15 digits of dollars.
    pub fn to_cents(&self) -> Result<Cents, DecimalError> {
        let digits = self.digits.trim_start_matches('0');
        if digits.is_empty() {
            return Ok(Cents(0));
        }
        let shift = 2 - self.scale;
        let cents = if shift >= 0 {
            let zeros = usize::try_from(shift).map_err(|_| DecimalError::Overflow)?;
            if digits.len() + zeros > MAX_CENT_DIGITS {
                return Err(DecimalError::Overflow);
            }
            format!("{digits}{}", "0".repeat(zeros))
        } else {
            let cut = usize::try_from(-shift).unwrap_or(usize::MAX).min(digits.len());
            let (kept, dropped) = digits.split_at(digits.len() - cut);
            if dropped.bytes().any(|b| b != b'0') {
                return Err(DecimalError::TooPrecise);
            }
            kept.to_owned()
        };
        if cents.len() > MAX_CENT_DIGITS {
            return Err(DecimalError::Overflow);
        }
        let cents: i64 = if cents.is_empty() { 0 } else { cents.parse().map_err(|_| DecimalError::Overflow)? };
        Ok(Cents(if self.negative { -cents } else { cents }))
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
    fn json_numbers_keep_their_exact_value_through_exponents() {
        let cents = |text: &str| Decimal::parse_json_number(text).map(|d| d.to_cents());
        assert_eq!(cents("1.5E1"), Some(Ok(Cents(1500))));
        assert_eq!(cents("2500e-2"), Some(Ok(Cents(2500))));
        assert_eq!(cents("-1999e-3"), Some(Err(DecimalError::TooPrecise)));
        assert_eq!(cents("1e400"), Some(Err(DecimalError::Overflow)));
        assert_eq!(cents("1e1001"), None, "an absurd exponent is not a number");
        assert_eq!(cents("0e400"), Some(Ok(Cents(0))));
        assert!(!Decimal::parse_json_number("-0.000").unwrap().is_positive());
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
