//! Instants as ISO-8601 UTC with exactly three fractional digits and `Z`.
//!
//! `2026-11-24T10:01:00.000Z` is what the original's `Date.toISOString()`
//! produced; keeping the format keeps the events wire-compatible. Instants are
//! truncated to the millisecond when created, so what is stored is exactly
//! what is sent.

use std::{fmt, time::Duration};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339, macros::format_description};

/// A UTC instant with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Now, truncated to the millisecond.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Truncates `at` to the millisecond and moves it to UTC.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let millis = at.millisecond();
        Self(at.replace_nanosecond(u32::from(millis) * 1_000_000).expect("millisecond is in range"))
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// From milliseconds since the Unix epoch; `None` when out of range.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok().map(Self)
    }

    /// `self + duration`.
    pub fn plus(self, duration: Duration) -> Self {
        Self::from_datetime(self.0 + duration)
    }

    /// How long from now until `self`; zero when `self` is past.
    pub fn until(self) -> Duration {
        let remaining = self.0 - OffsetDateTime::now_utc();
        remaining.try_into().unwrap_or(Duration::ZERO)
    }

    /// Whether `self` is at or before now.
    pub fn is_past(self) -> bool {
        self.0 <= OffsetDateTime::now_utc()
    }

    /// Parses any RFC 3339 instant, then truncates it to the millisecond.
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339).ok().map(Self::from_datetime)
    }

    /// The underlying `time` value.
    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        let text = self.0.format(&format).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| de::Error::custom(format!("`{text}` is not an ISO-8601 instant")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_with_three_fraction_digits_and_z() {
        let at = Timestamp::from_datetime(datetime!(2026-11-24 10:01:00.123456 UTC));
        assert_eq!(at.to_string(), "2026-11-24T10:01:00.123Z");
        let whole = Timestamp::from_datetime(datetime!(2026-11-24 10:01:00 UTC));
        assert_eq!(serde_json::to_string(&whole).unwrap(), "\"2026-11-24T10:01:00.000Z\"");
    }

    #[test]
    fn parses_other_offsets_into_utc() {
        let at = Timestamp::parse("2026-11-24T11:01:00.5+01:00").unwrap();
        assert_eq!(at.to_string(), "2026-11-24T10:01:00.500Z");
        assert!(Timestamp::parse("yesterday").is_none());
    }

    #[test]
    fn unix_millis_round_trip() {
        let now = Timestamp::now();
        assert_eq!(Timestamp::from_unix_millis(now.unix_millis()), Some(now));
    }
}
