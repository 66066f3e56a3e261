//! Request extractors whose rejections speak the contract's error shape.
//!
//! The contract reads bodies as JSON whatever the `Content-Type`, treats an
//! empty body as `{}`, ignores unknown fields, and lets a field of the wrong
//! type fail that field's own rule. So routes do not deserialize into a typed
//! struct (a type mismatch would reject the whole body); they take a
//! [`JsonObject`] and validate field by field. Each field is kept as raw JSON
//! text, which lets prices be checked from the exact digits the client sent,
//! never through a float.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Request, rejection::BytesRejection},
    http::{StatusCode, request::Parts},
};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::{error::ApiError, id::ObjectId};

/// Bodies above this size are refused with 413 (contract 2.1): every body
/// the API takes fits in a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A request body that is a JSON object, with each member kept as raw JSON.
#[derive(Debug, Default)]
pub struct JsonObject(HashMap<String, Box<RawValue>>);

impl JsonObject {
    /// Parses `bytes` as a JSON object; an empty (or all-whitespace) body is `{}`.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        serde_json::from_slice(bytes).map(Self).map_err(|_| ApiError::InvalidBody)
    }

    /// The raw JSON text of `field`, if present (`null` counts as present).
    pub fn raw(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(|raw| raw.get())
    }

    /// `field` as a JSON string, or `None` when absent, `null` or another type.
    pub fn string(&self, field: &str) -> Option<String> {
        self.typed::<String>(field)
    }

    /// `field` deserialized as `T`, or `None` when absent or of another shape.
    pub fn typed<T: DeserializeOwned>(&self, field: &str) -> Option<T> {
        self.0.get(field).and_then(|raw| serde_json::from_str(raw.get()).ok())
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(failure) if failure.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            _ => ApiError::InvalidBody,
        })?;
        Self::parse(&bytes)
    }
}

/// A path segment that must be a 24-hex ObjectId; anything else is 404 (the
/// id cannot exist, so the resource is not found).
#[derive(Debug, Clone)]
pub struct IdPath(pub ObjectId);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| ApiError::NotFound)?;
        ObjectId::parse(&raw).map(Self).ok_or(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_is_an_empty_object() {
        assert!(JsonObject::parse(b"").unwrap().raw("title").is_none());
        assert!(JsonObject::parse(b"  \n").unwrap().raw("title").is_none());
    }

    #[test]
    fn non_objects_are_refused_with_the_contract_message() {
        for body in [&b"[]"[..], b"\"x\"", b"12", b"null", b"{", b"{\"a\":1,}", b"\xff\xfe"] {
            let error = JsonObject::parse(body).unwrap_err();
            assert!(matches!(error, ApiError::InvalidBody), "body {body:?} gave {error:?}");
        }
    }

    #[test]
    fn fields_keep_their_raw_text_and_types_are_checked_per_field() {
        let body = JsonObject::parse(br#"{"price": 19.990, "title": 12, "email": "a@b.co", "n": null}"#).unwrap();
        assert_eq!(body.raw("price"), Some("19.990"));
        assert_eq!(body.string("title"), None, "a number is not a string");
        assert_eq!(body.string("email").as_deref(), Some("a@b.co"));
        assert_eq!(body.raw("n"), Some("null"));
        assert_eq!(body.string("n"), None);
    }
}
