//! ObjectIds as 24 lower-case hex characters, in every store backend.
//!
//! The owner of a resource generates its id and replicas reuse it, so the same
//! string identifies a ticket in tickets, orders and their events. Ids are
//! MongoDB ObjectIds (time-ordered), which is also why sorting by id lists
//! resources oldest first.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::timestamp::Timestamp;

/// A 24-hex ObjectId, always stored lower-cased, inline: reading a page of
/// 50 tickets parsed 150 ids, and as `String`s each cost two allocations
/// (the text, then its lower-cased copy) and two frees.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 24]);

impl ObjectId {
    /// A new, time-ordered id.
    pub fn generate() -> Self {
        Self::parse(&mongodb::bson::oid::ObjectId::new().to_hex()).expect("an ObjectId is 24 hex digits")
    }

    /// Accepts 24 hex characters in either case; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut hex: [u8; 24] = raw.as_bytes().try_into().ok()?;
        hex.make_ascii_lowercase();
        hex.iter().all(u8::is_ascii_hexdigit).then_some(Self(hex))
    }

    /// The lower-case hex form.
    pub fn as_str(&self) -> &str {
        // Only `parse` makes one, from ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// When it was generated: an ObjectId starts with its creation time in
    /// Unix seconds (so the age of a document needs no extra field).
    pub fn created_at(&self) -> Timestamp {
        let seconds = u32::from_str_radix(&self.as_str()[..8], 16).unwrap_or_default();
        Timestamp::from_unix_millis(i64::from(seconds) * 1000).unwrap_or_else(Timestamp::now)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for ObjectId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Borrowed where the format allows (serde_json's unescaped strings):
        // no `String` in between.
        struct Hex;
        impl de::Visitor<'_> for Hex {
            type Value = ObjectId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 24-hex ObjectId")
            }
            fn visit_str<E: de::Error>(self, raw: &str) -> Result<ObjectId, E> {
                ObjectId::parse(raw).ok_or_else(|| E::custom(format!("`{raw}` is not a 24-hex ObjectId")))
            }
        }
        deserializer.deserialize_str(Hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_24_lower_hex_and_increase() {
        let first = ObjectId::generate();
        let second = ObjectId::generate();
        assert_eq!(first.as_str().len(), 24);
        assert!(first.as_str().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert!(first < second, "ids from one process sort in creation order");
    }

    #[test]
    fn an_id_knows_the_second_it_was_made() {
        let before = Timestamp::now().unix_millis() / 1000;
        let made = ObjectId::generate().created_at().unix_millis() / 1000;
        assert!((before..=before + 1).contains(&made), "{made} not at {before}");
        let fixed = ObjectId::parse("6561a1d2e3f4a5b6c7d8e9f0").unwrap();
        assert_eq!(fixed.created_at().unix_millis(), 0x6561_a1d2_i64 * 1000);
    }

    #[test]
    fn parsing_accepts_either_case_and_refuses_the_rest() {
        assert_eq!(ObjectId::parse("6561A0C0F1E2D3C4B5A69788").unwrap().as_str(), "6561a0c0f1e2d3c4b5a69788");
        for bad in ["", "abc", "6561a0c0f1e2d3c4b5a6978", "6561a0c0f1e2d3c4b5a697889", "zz61a0c0f1e2d3c4b5a69788"] {
            assert!(ObjectId::parse(bad).is_none(), "{bad} should be refused");
        }
    }

    #[test]
    fn json_ids_read_borrowed_or_escaped_and_refuse_the_rest() {
        let id: ObjectId = serde_json::from_str(r#""6561A0C0F1E2D3C4B5A69788""#).unwrap();
        assert_eq!(id.as_str(), "6561a0c0f1e2d3c4b5a69788");
        // An escaped string arrives owned, not borrowed: the same id.
        let escaped: ObjectId = serde_json::from_str(r#""\u0036561a0c0f1e2d3c4b5a69788""#).unwrap();
        assert_eq!(escaped, id);
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""6561a0c0f1e2d3c4b5a69788""#);
        assert_eq!(format!("{id:?}"), r#""6561a0c0f1e2d3c4b5a69788""#);
        let bad = serde_json::from_str::<ObjectId>(r#""nope""#).unwrap_err().to_string();
        assert!(bad.contains("`nope` is not a 24-hex ObjectId"), "{bad}");
        assert!(serde_json::from_str::<ObjectId>("12").is_err());
    }
}
