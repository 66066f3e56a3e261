//! What a stored type declares: its collection (name and indexes) and its
//! version. Documents cross the port as JSON objects ([`RawDoc`]), so the
//! adapters never see the service's types.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use super::StoreError;

/// A JSON object as stored: always has `id` (string) and `version` (integer).
pub type RawDoc = Map<String, Value>;

/// A collection's name and indexes, declared next to its document type.
#[derive(Debug, Clone, Copy)]
pub struct CollectionSpec {
    /// Table or collection name.
    pub name: &'static str,
    /// Secondary indexes on single top-level fields.
    pub indexes: &'static [Index],
}

/// An index on one top-level field.
#[derive(Debug, Clone, Copy)]
pub struct Index {
    /// Index name, reported back in [`StoreError::Duplicate`].
    pub name: &'static str,
    /// The indexed field (camelCase, as serialized).
    pub field: &'static str,
    /// Whether two documents may share a value.
    pub unique: bool,
    /// Partial index: only documents whose `.0` field is one of `.1` are
    /// indexed (for "one open order per ticket").
    pub only_when: Option<(&'static str, &'static [&'static str])>,
}

/// A stored type. Serializes to a JSON object with a string `id` and an
/// integer `version` (updates move it by exactly one); the store reads both
/// from there, so an impl names only its collection.
pub trait Document: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Where documents of this type live.
    const COLLECTION: CollectionSpec;
}

pub(super) fn to_raw<D: Document>(doc: &D) -> Result<RawDoc, StoreError> {
    match serde_json::to_value(doc).map_err(anyhow::Error::from)? {
        Value::Object(map)
            if map.get("id").is_some_and(Value::is_string) && map.get("version").is_some_and(Value::is_i64) =>
        {
            Ok(map)
        }
        _ => Err(anyhow::anyhow!("{} must serialize to an object with `id` and `version`", D::COLLECTION.name).into()),
    }
}

pub(super) fn from_raw<D: Document>(raw: RawDoc) -> Result<D, StoreError> {
    serde_json::from_value(Value::Object(raw))
        .map_err(|error| anyhow::anyhow!("damaged document in {}: {error}", D::COLLECTION.name).into())
}
