//! The BSON this adapter sends for documents: indexes, inserts, the
//! version-checked update, finds, and the mapping between `id` and `_id`.
//! Pure functions, pinned by the unit tests in `tests.rs`.

use anyhow::Context as _;
use mongodb::{
    IndexModel,
    bson::{self, Document, doc},
    options::IndexOptions,
};
use serde_json::Value;

use super::{
    super::{CollectionSpec, Index, Page, RawDoc, StoreError},
    OUTBOX,
    outbox::{pending_filter, pending_sort},
};

/// The index models for a collection, plus the pending-outbox index: partial
/// (only documents with unsent events are in it, so its size follows the
/// backlog, not the collection) and ordered by `seq`, so the relay's
/// sorted, limited find reads a batch straight from it. (Named anew because
/// the sparse `outbox_pending` of earlier versions has other options; an old
/// database keeps that one, unused.)
pub(super) fn index_models(spec: &CollectionSpec) -> Vec<IndexModel> {
    let mut models: Vec<IndexModel> = spec.indexes.iter().map(index_model).collect();
    let pending = IndexOptions::builder()
        .name("outbox_pending_seq".to_owned())
        .partial_filter_expression(pending_filter())
        .build();
    models.push(IndexModel::builder().keys(pending_sort()).options(pending).build());
    models
}

fn index_model(index: &Index) -> IndexModel {
    let mut options = IndexOptions::builder().name(index.name.to_owned()).unique(index.unique).build();
    if let Some((field, values)) = index.only_when {
        options.partial_filter_expression = Some(doc! { field: { "$in": values.to_vec() } });
    }
    IndexModel::builder().keys(doc! { index.field: 1 }).options(options).build()
}

/// `{_id, ...fields, _outbox: [events]}` for an insert.
pub(super) fn insert_document(raw: &RawDoc, events: &[Document]) -> Result<Document, StoreError> {
    let mut document = stored_fields(raw)?;
    document.insert(OUTBOX, events.to_vec());
    Ok(document)
}

/// The version check: the update applies only to `expected` (the optimistic lock).
pub(super) fn version_filter(id: &str, expected: i64) -> Document {
    doc! { "_id": id, "version": expected }
}

/// Replaces every field (so fields that became absent disappear) while
/// appending to, never overwriting, the pending outbox. `$literal` keeps a
/// user-supplied string like `"$price"` from being read as a field path.
pub(super) fn update_pipeline(raw: &RawDoc, events: &[Document]) -> Result<Vec<Document>, StoreError> {
    let fields = stored_fields(raw)?;
    Ok(vec![doc! {
        "$replaceWith": {
            "$mergeObjects": [
                { "$literal": fields },
                { OUTBOX: { "$concatArrays": [ { "$ifNull": [ "$_outbox", [] ] }, { "$literal": events.to_vec() } ] } },
            ]
        }
    }])
}

/// Equality on each field; `id` means `_id`.
pub(super) fn find_filter(filter: &[(&str, Value)]) -> Result<Document, StoreError> {
    let mut document = Document::new();
    for (field, value) in filter {
        let key = if *field == "id" { "_id" } else { field };
        document.insert(key, bson::serialize_to_bson(value).context("filter value")?);
    }
    Ok(document)
}

/// `filter` narrowed to one keyset page (ids after `after`; a field present or not).
pub(super) fn page_filter(mut filter: Document, page: Option<&Page>) -> Document {
    if let Some(page) = page {
        if let Some(after) = &page.after {
            filter.insert("_id", doc! { "$gt": after });
        }
        if let Some((field, present)) = page.present {
            let test = if present {
                doc! { "$ne": null }
            } else {
                doc! { "$eq": null }
            };
            filter.insert(field, test);
        }
    }
    filter
}

pub(super) fn without_outbox() -> Document {
    doc! { OUTBOX: 0 }
}

/// The document's fields with `id` stored as `_id`.
pub(super) fn stored_fields(raw: &RawDoc) -> Result<Document, StoreError> {
    let mut document = Document::new();
    for (key, value) in raw {
        let key = if key == "id" { "_id" } else { key.as_str() };
        document.insert(key, bson::serialize_to_bson(value).context("document field")?);
    }
    Ok(document)
}

pub(super) fn to_raw(mut document: Document) -> Result<RawDoc, StoreError> {
    document.remove(OUTBOX);
    let id = document.remove("_id").context("stored document without _id")?;
    let mut raw: RawDoc = bson::deserialize_from_document(document).context("stored document is not JSON-like")?;
    raw.insert("id".to_owned(), bson::deserialize_from_bson(id).context("stored _id")?);
    Ok(raw)
}
