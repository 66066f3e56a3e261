//! The store port: what services need from a database, and nothing more.
//!
//! A service keeps [`Document`]s (JSON objects with an `id` and a `version`)
//! in named collections. The port offers insert (with unique-index
//! violations as a typed error), insert-if-absent (for replicas), get by id,
//! find by field equality, version-checked update, and, with every write, the
//! events that the change emits: they are committed atomically with it into
//! an outbox, and the [`relay`](crate::relay) publishes them afterwards. That is the
//! transactional outbox: an event exists if and only if its change was
//! committed.
//!
//! Two adapters implement it: [`sqlite`] (embedded, the default for local runs
//! and tests) and [`mongo`] (Kubernetes). Each port method below picks the
//! adapter with a plain `match`; the adapters take and return [`RawDoc`]s, and
//! the typed conversions happen here. One contract suite
//! (`tests/store_contract.rs`) runs against both.

mod document;
mod error;
pub mod mongo;
mod page;
mod pending;
mod replica;
pub mod sqlite;
mod stream;

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Notify;

pub use self::{
    document::{CollectionSpec, Document, Index, RawDoc},
    error::{PRIMARY_KEY, ResultExt, StoreError},
    page::Page,
    pending::{PendingEvent, PendingKey},
    replica::UpdateFit,
};
use self::{
    document::{from_raw, to_raw},
    mongo::MongoStore,
    sqlite::SqliteStore,
};
use crate::{config::DatabaseUrl, events::Outgoing, id::ObjectId};

/// A handle on one service's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Woken on every commit that wrote events, so the relay publishes at once.
    committed: Arc<Notify>,
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Mongo(MongoStore),
}

impl Store {
    /// Opens the store `url` points at, for `collections`.
    ///
    /// SQLite is opened and its schema created here. MongoDB connects lazily:
    /// call [`Store::prepare`] (in the background) to create its indexes;
    /// until then every call answers [`StoreError::Unavailable`].
    pub async fn open(url: &DatabaseUrl, collections: &[CollectionSpec]) -> anyhow::Result<Self> {
        let backend = match url {
            DatabaseUrl::Sqlite(path) => Backend::Sqlite(SqliteStore::open(path, collections)?),
            DatabaseUrl::Mongo { url, database } => Backend::Mongo(MongoStore::new(url, database, collections).await?),
        };
        Ok(Self { backend, committed: Arc::new(Notify::new()) })
    }

    /// One attempt at creating schemas and indexes; idempotent. (SQLite's
    /// schema is created by [`Store::open`].)
    pub async fn prepare(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(()),
            Backend::Mongo(mongo) => mongo.prepare().await,
        }
    }

    /// Whether [`Store::prepare`] has succeeded.
    pub fn is_prepared(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(_) => true,
            Backend::Mongo(mongo) => mongo.is_prepared(),
        }
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.ping().await,
            Backend::Mongo(mongo) => mongo.ping().await,
        }
    }

    /// The URL without credentials, for logs.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.describe(),
            Backend::Mongo(mongo) => mongo.describe(),
        }
    }

    /// Inserts `doc` and its `events` atomically.
    #[tracing::instrument(name = "store write", skip_all, fields(otel.name = format!("insert {}", D::COLLECTION.name)))]
    pub async fn insert<D: Document>(&self, doc: &D, events: &[Outgoing]) -> Result<(), StoreError> {
        let (spec, raw) = (&D::COLLECTION, to_raw(doc)?);
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.insert(spec, raw, events).await?,
            Backend::Mongo(mongo) => mongo.insert(spec, raw, events).await?,
        }
        self.notify_if(events);
        Ok(())
    }

    /// Inserts `doc` and its `events` unless a document with its id exists.
    /// `Ok(false)` means one did (a redelivered creation, say), and nothing
    /// was written. The insert itself decides, so concurrent callers cannot
    /// both write.
    pub async fn insert_if_absent<D: Document>(&self, doc: &D, events: &[Outgoing]) -> Result<bool, StoreError> {
        match self.insert(doc, events).await {
            Ok(()) => Ok(true),
            Err(error) if error.is_duplicate(PRIMARY_KEY) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The document with `id`, if any.
    pub async fn get<D: Document>(&self, id: &ObjectId) -> Result<Option<D>, StoreError> {
        let (spec, id) = (&D::COLLECTION, id.as_str());
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.get(spec, id).await,
            Backend::Mongo(mongo) => mongo.get(spec, id).await?.map(from_raw).transpose(),
        }
    }

    /// Every document whose fields equal `filter`'s values, oldest id first.
    /// An empty filter lists the whole collection.
    pub async fn find<D: Document>(&self, filter: &[(&str, Value)]) -> Result<Vec<D>, StoreError> {
        Ok(self.find_with_last(filter, None).await?.0)
    }

    /// [`Store::find`] for one keyset [`Page`].
    pub async fn find_page<D: Document>(&self, filter: &[(&str, Value)], page: &Page) -> Result<Vec<D>, StoreError> {
        Ok(self.find_with_last(filter, Some(page)).await?.0)
    }

    /// The one step from the port to an adapter for finds: the documents,
    /// and the last one's id (where a keyset stream's next batch starts).
    async fn find_with_last<D: Document>(
        &self,
        filter: &[(&str, Value)],
        page: Option<&Page>,
    ) -> Result<(Vec<D>, Option<String>), StoreError> {
        let spec = &D::COLLECTION;
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.find(spec, filter, page).await,
            Backend::Mongo(mongo) => {
                let raws = mongo.find(spec, filter, page).await?;
                let last = raws.last().and_then(|raw| raw.get("id")).and_then(Value::as_str).map(str::to_owned);
                Ok((raws.into_iter().map(from_raw).collect::<Result<_, _>>()?, last))
            }
        }
    }

    /// Replaces the stored document with `doc` if the stored version is
    /// one less than `doc`'s, writing `events` in the same atomic step.
    /// `Ok(false)` means another writer got there first (or the document is
    /// gone): re-read and decide again.
    #[tracing::instrument(name = "store write", skip_all, fields(otel.name = format!("update {}", D::COLLECTION.name)))]
    pub async fn update<D: Document>(&self, doc: &D, events: &[Outgoing]) -> Result<bool, StoreError> {
        let raw = to_raw(doc)?;
        // `to_raw` made sure the version is an integer.
        let expected = raw.get("version").and_then(Value::as_i64).unwrap_or_default() - 1;
        let spec = &D::COLLECTION;
        let applied = match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.update(spec, raw, expected, events).await?,
            Backend::Mongo(mongo) => mongo.update(spec, raw, expected, events).await?,
        };
        if applied {
            self.notify_if(events);
        }
        Ok(applied)
    }

    /// Up to `limit` unsent events, in write order.
    pub async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.pending_events(limit).await,
            Backend::Mongo(mongo) => mongo.pending_events(limit).await,
        }
    }

    /// Marks events sent so they are not published again.
    pub async fn mark_sent(&self, events: &[PendingEvent]) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.mark_sent(events).await,
            Backend::Mongo(mongo) => mongo.mark_sent(events).await,
        }
    }

    /// How many events wait in the outbox.
    pub async fn pending_count(&self) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.pending_count().await,
            Backend::Mongo(mongo) => mongo.pending_count().await,
        }
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
