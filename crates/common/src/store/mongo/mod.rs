//! The MongoDB adapter, for Kubernetes.
//!
//! Documents keep their id as `_id` (a 24-hex string) and every other field
//! as is. The outbox is **embedded**: a write appends its events to the
//! document's own `_outbox` array in the same single-document operation as
//! the change, which MongoDB applies atomically, so no transactions and no
//! replica set are needed. The relay scans for documents with pending events
//! and `$pull`s each one once published.
//!
//! Every filter, update and index this adapter sends is built by a pure
//! function in this file, and pinned by the unit tests at the bottom.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use futures::TryStreamExt as _;
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{self, Bson, Document, doc},
    error::{ErrorKind, WriteFailure},
    options::{ClientOptions, IndexOptions},
};
use serde_json::Value;

use super::{CollectionSpec, Index, PendingEvent, PendingKey, RawDoc, StoreError};
use crate::{config::redact_url, events::Outgoing};

/// Name of the embedded outbox array.
const OUTBOX: &str = "_outbox";

/// A MongoDB database shared by clones.
#[derive(Clone)]
pub struct MongoStore {
    inner: Arc<Inner>,
}

struct Inner {
    database: Database,
    collections: Vec<CollectionSpec>,
    url: String,
    prepared: AtomicBool,
    /// Orders outbox entries written by this process (milliseconds × 1000 + counter).
    sequence: AtomicI64,
}

impl MongoStore {
    /// Configures a client; nothing is contacted until the first call.
    pub async fn new(url: &str, database: &str, collections: &[CollectionSpec]) -> anyhow::Result<Self> {
        let mut options =
            ClientOptions::parse(url).await.with_context(|| format!("invalid MongoDB URL {}", redact_url(url)))?;
        // Fail fast so requests answer 503 promptly while MongoDB is down.
        options.server_selection_timeout = Some(Duration::from_secs(2));
        options.connect_timeout = Some(Duration::from_secs(2));
        let client = Client::with_options(options).context("cannot configure the MongoDB client")?;
        Ok(Self {
            inner: Arc::new(Inner {
                database: client.database(database),
                collections: collections.to_vec(),
                url: redact_url(url),
                prepared: AtomicBool::new(false),
                sequence: AtomicI64::new(0),
            }),
        })
    }

    pub(crate) async fn prepare(&self) -> Result<(), StoreError> {
        for spec in &self.inner.collections {
            let models = index_models(spec);
            self.collection(spec.name).create_indexes(models).await.map_err(classify)?;
        }
        self.inner.prepared.store(true, Ordering::Release);
        Ok(())
    }

    pub(crate) fn is_prepared(&self) -> bool {
        self.inner.prepared.load(Ordering::Acquire)
    }

    pub(crate) fn describe(&self) -> String {
        self.inner.url.clone()
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        self.inner.database.run_command(doc! { "ping": 1 }).await.map_err(classify)?;
        Ok(())
    }

    pub(crate) async fn insert(
        &self,
        spec: &CollectionSpec,
        doc: RawDoc,
        events: &[Outgoing],
    ) -> Result<(), StoreError> {
        let document = insert_document(&doc, &self.outbox_entries(events))?;
        self.ready_collection(spec.name)?.insert_one(document).await.map_err(classify)?;
        Ok(())
    }

    pub(crate) async fn get(&self, spec: &CollectionSpec, id: &str) -> Result<Option<RawDoc>, StoreError> {
        let found = self
            .ready_collection(spec.name)?
            .find_one(doc! { "_id": id })
            .projection(without_outbox())
            .await
            .map_err(classify)?;
        found.map(to_raw).transpose()
    }

    pub(crate) async fn find(
        &self,
        spec: &CollectionSpec,
        filter: &[(&str, Value)],
    ) -> Result<Vec<RawDoc>, StoreError> {
        let cursor = self
            .ready_collection(spec.name)?
            .find(find_filter(filter)?)
            .sort(doc! { "_id": 1 })
            .projection(without_outbox())
            .await
            .map_err(classify)?;
        let documents: Vec<Document> = cursor.try_collect().await.map_err(classify)?;
        documents.into_iter().map(to_raw).collect()
    }

    pub(crate) async fn update(
        &self,
        spec: &CollectionSpec,
        doc: RawDoc,
        expected_version: i64,
        events: &[Outgoing],
    ) -> Result<bool, StoreError> {
        let id = doc.get("id").and_then(Value::as_str).context("document without id")?.to_owned();
        let pipeline = update_pipeline(&doc, &self.outbox_entries(events))?;
        let result = self
            .ready_collection(spec.name)?
            .update_one(version_filter(&id, expected_version), pipeline)
            .await
            .map_err(classify)?;
        Ok(result.matched_count == 1)
    }

    pub(crate) async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        let mut pending = Vec::new();
        for spec in &self.inner.collections {
            let cursor = self
                .ready_collection(spec.name)?
                .find(pending_filter())
                .projection(doc! { OUTBOX: 1 })
                .await
                .map_err(classify)?;
            let documents: Vec<Document> = cursor.try_collect().await.map_err(classify)?;
            for document in documents {
                pending.extend(pending_from(spec.name, &document)?);
            }
        }
        pending.sort_by_key(|(seq, _)| *seq);
        Ok(pending.into_iter().take(limit).map(|(_, event)| event).collect())
    }

    pub(crate) async fn mark_sent(&self, events: &[PendingEvent]) -> Result<(), StoreError> {
        for pending in events {
            if let PendingKey::Mongo { collection, id } = &pending.key {
                self.ready_collection(collection)?
                    .update_one(doc! { "_id": id }, mark_sent_update(&pending.event.message_id))
                    .await
                    .map_err(classify)?;
            }
        }
        Ok(())
    }

    pub(crate) async fn pending_count(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        for spec in &self.inner.collections {
            let mut cursor = self.ready_collection(spec.name)?.aggregate(count_pipeline()).await.map_err(classify)?;
            if let Some(row) = cursor.try_next().await.map_err(classify)? {
                total +=
                    row.get("n").and_then(Bson::as_i64).or_else(|| row.get_i32("n").ok().map(i64::from)).unwrap_or(0);
            }
        }
        Ok(u64::try_from(total).unwrap_or(0))
    }

    fn collection(&self, name: &str) -> Collection<Document> {
        self.inner.database.collection(name)
    }

    /// The collection, once indexes exist: writing before the unique
    /// indexes are in place could let duplicates in.
    fn ready_collection(&self, name: &str) -> Result<Collection<Document>, StoreError> {
        if self.is_prepared() {
            Ok(self.collection(name))
        } else {
            Err(StoreError::Unavailable(anyhow::anyhow!("MongoDB indexes are not created yet")))
        }
    }

    fn outbox_entries(&self, events: &[Outgoing]) -> Vec<Document> {
        let base = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000 * 1000;
        events
            .iter()
            .map(|event| {
                let counter = self.inner.sequence.fetch_add(1, Ordering::Relaxed).rem_euclid(1000);
                outbox_entry(base + counter, event)
            })
            .collect()
    }
}

/// The index models for a collection, plus the outbox scan index.
pub(crate) fn index_models(spec: &CollectionSpec) -> Vec<IndexModel> {
    let mut models: Vec<IndexModel> = spec.indexes.iter().map(index_model).collect();
    models.push(
        IndexModel::builder()
            .keys(doc! { "_outbox.seq": 1 })
            .options(IndexOptions::builder().name("outbox_pending".to_owned()).sparse(true).build())
            .build(),
    );
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
pub(crate) fn insert_document(raw: &RawDoc, events: &[Document]) -> Result<Document, StoreError> {
    let mut document = stored_fields(raw)?;
    document.insert(OUTBOX, events.to_vec());
    Ok(document)
}

/// The version check: the update applies only to `expected` (the optimistic lock).
pub(crate) fn version_filter(id: &str, expected: i64) -> Document {
    doc! { "_id": id, "version": expected }
}

/// Replaces every field (so fields that became absent disappear) while
/// appending to, never overwriting, the pending outbox. `$literal` keeps a
/// user-supplied string like `"$price"` from being read as a field path.
pub(crate) fn update_pipeline(raw: &RawDoc, events: &[Document]) -> Result<Vec<Document>, StoreError> {
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
pub(crate) fn find_filter(filter: &[(&str, Value)]) -> Result<Document, StoreError> {
    let mut document = Document::new();
    for (field, value) in filter {
        let key = if *field == "id" { "_id" } else { field };
        document.insert(key, bson::serialize_to_bson(value).context("filter value")?);
    }
    Ok(document)
}

/// Documents with at least one unsent event.
pub(crate) fn pending_filter() -> Document {
    doc! { "_outbox.seq": { "$exists": true } }
}

/// Removes one published event from a document's outbox.
pub(crate) fn mark_sent_update(message_id: &str) -> Document {
    doc! { "$pull": { OUTBOX: { "messageId": message_id } } }
}

fn count_pipeline() -> Vec<Document> {
    vec![
        doc! { "$match": pending_filter() },
        doc! { "$group": { "_id": Bson::Null, "n": { "$sum": { "$size": "$_outbox" } } } },
    ]
}

pub(crate) fn outbox_entry(seq: i64, event: &Outgoing) -> Document {
    doc! { "seq": seq, "subject": &event.subject, "messageId": &event.message_id, "payload": &event.payload }
}

fn without_outbox() -> Document {
    doc! { OUTBOX: 0 }
}

/// The document's fields with `id` stored as `_id`.
fn stored_fields(raw: &RawDoc) -> Result<Document, StoreError> {
    let mut document = Document::new();
    for (key, value) in raw {
        let key = if key == "id" { "_id" } else { key.as_str() };
        document.insert(key, bson::serialize_to_bson(value).context("document field")?);
    }
    Ok(document)
}

fn to_raw(mut document: Document) -> Result<RawDoc, StoreError> {
    document.remove(OUTBOX);
    let id = document.remove("_id").context("stored document without _id")?;
    let mut raw: RawDoc = bson::deserialize_from_document(document).context("stored document is not JSON-like")?;
    raw.insert("id".to_owned(), bson::deserialize_from_bson(id).context("stored _id")?);
    Ok(raw)
}

fn pending_from(collection: &str, document: &Document) -> Result<Vec<(i64, PendingEvent)>, StoreError> {
    let id = document.get_str("_id").context("outbox owner without string _id")?;
    let entries = document.get_array(OUTBOX).context("outbox is not an array")?;
    entries
        .iter()
        .map(|entry| {
            let entry = entry.as_document().context("outbox entry is not a document")?;
            let text = |key: &str| {
                entry.get_str(key).map(str::to_owned).with_context(|| format!("outbox entry without {key}"))
            };
            let seq = entry.get_i64("seq").context("outbox entry without seq")?;
            let event =
                Outgoing { subject: text("subject")?, message_id: text("messageId")?, payload: text("payload")? };
            Ok((
                seq,
                PendingEvent { key: PendingKey::Mongo { collection: collection.to_owned(), id: id.to_owned() }, event },
            ))
        })
        .collect()
}

/// Maps driver errors: E11000 is a duplicate; no server is unavailability.
fn classify(error: mongodb::error::Error) -> StoreError {
    let duplicate_index = |message: &str| {
        message.split("index: ").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap_or("id").to_owned()
    };
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(failure)) if failure.code == 11000 => {
            let index = duplicate_index(&failure.message);
            StoreError::Duplicate { index: if index == "_id_" { "id".to_owned() } else { index } }
        }
        ErrorKind::Command(failure) if failure.code == 11000 => {
            StoreError::Duplicate { index: duplicate_index(&failure.message) }
        }
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::Authentication { .. }
        | ErrorKind::DnsResolve { .. } => StoreError::Unavailable(error.into()),
        _ => StoreError::Other(error.into()),
    }
}

#[cfg(test)]
mod tests;
