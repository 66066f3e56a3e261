//! The MongoDB adapter, for Kubernetes.
//!
//! Documents keep their id as `_id` (a 24-hex string) and every other field
//! as is. The outbox is **embedded**: a write appends its events to the
//! document's own `_outbox` array in the same single-document operation as
//! the change, which MongoDB applies atomically, so no transactions and no
//! replica set are needed. The relay scans for documents with pending events
//! and `$pull`s each one once published.
//!
//! Here: the client and the document calls. Every filter, update and index
//! they send is built by a pure function in `filters` (documents) or
//! `outbox` (the embedded outbox), pinned by the unit tests in `tests`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use futures::TryStreamExt as _;
use mongodb::{
    Client, Collection, Database,
    bson::{Document, doc},
    error::{ErrorKind, WriteFailure},
    options::ClientOptions,
};
use serde_json::Value;

use self::filters::{
    find_filter, index_models, insert_document, page_filter, to_raw, update_pipeline, version_filter, without_outbox,
};
use super::{CollectionSpec, PRIMARY_KEY, Page, RawDoc, StoreError};
use crate::{config::redact_url, events::Outgoing};

mod filters;
mod outbox;

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
        let document = insert_document(&doc, &self.outbox_entries(events).await?)?;
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
        page: Option<&Page>,
    ) -> Result<Vec<RawDoc>, StoreError> {
        let limit = page.map_or(0, |page| i64::try_from(page.limit).unwrap_or(i64::MAX));
        let cursor = self
            .ready_collection(spec.name)?
            .find(page_filter(find_filter(filter)?, page))
            .sort(doc! { "_id": 1 })
            .limit(limit)
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
        let pipeline = update_pipeline(&doc, &self.outbox_entries(events).await?)?;
        let result = self
            .ready_collection(spec.name)?
            .update_one(version_filter(&id, expected_version), pipeline)
            .await
            .map_err(classify)?;
        Ok(result.matched_count == 1)
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
}

/// Maps driver errors: E11000 is a duplicate; no server is unavailability.
fn classify(error: mongodb::error::Error) -> StoreError {
    let duplicate_index = |message: &str| {
        message
            .split("index: ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or(PRIMARY_KEY)
            .to_owned()
    };
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(failure)) if failure.code == 11000 => {
            let index = duplicate_index(&failure.message);
            StoreError::Duplicate { index: if index == "_id_" { PRIMARY_KEY.to_owned() } else { index } }
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
