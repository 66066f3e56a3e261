//! The store port: what services need from a database, and nothing more.
//!
//! A service keeps [`Document`]s (JSON objects with an `id` and a `version`)
//! in named collections. The port offers insert (with unique-index
//! violations as a typed error), get by id, find by field equality,
//! version-checked update, and, with every write, the events that the change
//! emits: they are committed atomically with it into an outbox, and the
//! [`relay`] publishes them afterwards. That is the transactional outbox: an
//! event exists if and only if its change was committed.
//!
//! Two adapters implement it: [`sqlite`] (embedded, the default for local runs
//! and tests) and [`mongo`] (Kubernetes). One contract suite
//! (`tests/store_contract.rs`) runs against both.

pub mod mongo;
pub mod sqlite;

use std::sync::Arc;

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::{config::DatabaseUrl, error::ApiError, events::Outgoing, id::ObjectId};

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

/// A stored type. Serializes to a JSON object with `id` and `version`.
pub trait Document: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Where documents of this type live.
    const COLLECTION: CollectionSpec;

    /// The document's id.
    fn id(&self) -> &ObjectId;

    /// The document's version; updates move it by exactly one.
    fn version(&self) -> i64;
}

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index (or the id) already holds this value.
    #[error("duplicate key for index `{index}`")]
    Duplicate {
        /// The index's name, or `id` for the primary key.
        index: String,
    },
    /// The database cannot be reached, or is not set up yet.
    #[error("store unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug or a damaged document.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// Whether this is a unique violation of `index`.
    pub fn is_duplicate(&self, index: &str) -> bool {
        matches!(self, Self::Duplicate { index: name } if name == index)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            other => ApiError::Unexpected(other.into()),
        }
    }
}

/// One event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    /// Adapter-specific handle used to mark it sent.
    pub key: PendingKey,
    /// The event itself.
    pub event: Outgoing,
}

/// Where a pending event sits, so the relay can mark it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingKey {
    /// A row of SQLite's outbox table.
    Sqlite(i64),
    /// An element of a MongoDB document's embedded outbox.
    Mongo {
        /// The collection.
        collection: String,
        /// The document's `_id`.
        id: String,
    },
}

/// A handle on one service's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Woken on every commit that wrote events, so the relay publishes at once.
    committed: Arc<Notify>,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::SqliteStore),
    Mongo(mongo::MongoStore),
}

/// Runs the same call on whichever adapter is in use.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match &$self.backend {
            Backend::Sqlite($store) => $call,
            Backend::Mongo($store) => $call,
        }
    };
}

impl Store {
    /// Opens the store `url` points at, for `collections`.
    ///
    /// SQLite is opened and its schema created here. MongoDB connects lazily:
    /// call [`Store::prepare`] (in the background) to create its indexes;
    /// until then every call answers [`StoreError::Unavailable`].
    pub async fn open(url: &DatabaseUrl, collections: &[CollectionSpec]) -> anyhow::Result<Self> {
        let backend = match url {
            DatabaseUrl::Sqlite(path) => Backend::Sqlite(sqlite::SqliteStore::open(path, collections)?),
            DatabaseUrl::Mongo { url, database } => {
                Backend::Mongo(mongo::MongoStore::new(url, database, collections).await?)
            }
        };
        Ok(Self { backend, committed: Arc::new(Notify::new()) })
    }

    /// One attempt at creating schemas and indexes; idempotent.
    pub async fn prepare(&self) -> Result<(), StoreError> {
        dispatch!(self, store => store.prepare().await)
    }

    /// Whether [`Store::prepare`] has succeeded.
    pub fn is_prepared(&self) -> bool {
        dispatch!(self, store => store.is_prepared())
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, store => store.ping().await)
    }

    /// The URL without credentials, for logs.
    pub fn describe(&self) -> String {
        dispatch!(self, store => store.describe())
    }

    /// Inserts `doc` and its `events` atomically.
    pub async fn insert<D: Document>(&self, doc: &D, events: &[Outgoing]) -> Result<(), StoreError> {
        let raw = to_raw(doc)?;
        dispatch!(self, store => store.insert(&D::COLLECTION, raw, events).await)?;
        self.notify_if(events);
        Ok(())
    }

    /// The document with `id`, if any.
    pub async fn get<D: Document>(&self, id: &ObjectId) -> Result<Option<D>, StoreError> {
        let raw = dispatch!(self, store => store.get(&D::COLLECTION, id.as_str()).await)?;
        raw.map(from_raw).transpose()
    }

    /// Every document whose fields equal `filter`'s values, oldest id first.
    /// An empty filter lists the whole collection.
    pub async fn find<D: Document>(&self, filter: &[(&str, Value)]) -> Result<Vec<D>, StoreError> {
        let raws = dispatch!(self, store => store.find(&D::COLLECTION, filter).await)?;
        raws.into_iter().map(from_raw).collect()
    }

    /// Replaces the stored document with `doc` if the stored version is
    /// `doc.version() - 1`, writing `events` in the same atomic step.
    /// `Ok(false)` means another writer got there first (or the document is
    /// gone): re-read and decide again.
    pub async fn update<D: Document>(&self, doc: &D, events: &[Outgoing]) -> Result<bool, StoreError> {
        let raw = to_raw(doc)?;
        let applied = dispatch!(self, store => store.update(&D::COLLECTION, raw, doc.version() - 1, events).await)?;
        if applied {
            self.notify_if(events);
        }
        Ok(applied)
    }

    /// Up to `limit` unsent events, in write order.
    pub async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        dispatch!(self, store => store.pending_events(limit).await)
    }

    /// Marks events sent so they are not published again.
    pub async fn mark_sent(&self, events: &[PendingEvent]) -> Result<(), StoreError> {
        dispatch!(self, store => store.mark_sent(events).await)
    }

    /// How many events wait in the outbox.
    pub async fn pending_count(&self) -> Result<u64, StoreError> {
        dispatch!(self, store => store.pending_count().await)
    }

    /// Resolves when a commit with events happens (or was missed since the
    /// last call), for the relay.
    pub(crate) async fn committed(&self) {
        self.committed.notified().await;
    }

    fn notify_if(&self, events: &[Outgoing]) {
        if !events.is_empty() {
            self.committed.notify_one();
        }
    }
}

fn to_raw<D: Document>(doc: &D) -> Result<RawDoc, StoreError> {
    match serde_json::to_value(doc).map_err(anyhow::Error::from)? {
        Value::Object(map)
            if map.get("id").is_some_and(Value::is_string) && map.get("version").is_some_and(Value::is_i64) =>
        {
            Ok(map)
        }
        _ => Err(anyhow::anyhow!("{} must serialize to an object with `id` and `version`", D::COLLECTION.name).into()),
    }
}

fn from_raw<D: Document>(raw: RawDoc) -> Result<D, StoreError> {
    serde_json::from_value(Value::Object(raw))
        .map_err(|error| anyhow::anyhow!("damaged document in {}: {error}", D::COLLECTION.name).into())
}
