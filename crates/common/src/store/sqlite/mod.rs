//! The embedded SQLite adapter: the default for local runs and tests.
//!
//! One table per collection holds `(id, version, doc)` with the document as
//! JSON text; indexes are expression indexes on `json_extract(doc, '$.field')`,
//! partial where the spec says so. The outbox is one more table written in the
//! same transaction as the change. All writes go through one connection (SQLite
//! has a single writer anyway), which makes unique checks and version checks
//! plain constraint failures; reads use a few extra connections, which WAL
//! mode lets run beside the writer.
//!
//! Here: opening and documents; `outbox` holds the
//! outbox table's reads and writes, `sql` the SQL text and error mapping,
//! `files` opening read connections and the file's identity, `readers` the
//! threads that own the read connections, `writer` the writer connection's
//! thread, which commits concurrent writes together.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context as _;
use rusqlite::{Connection, ToSql, params};
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::{
    files::file_identity,
    outbox::append_outbox,
    readers::Readers,
    sql::{classify, columns, parse_as, schema_sql, select_sql},
    writer::Writer,
};
use super::{CollectionSpec, Page, RawDoc, StoreError};
use crate::events::Outgoing;

mod files;
mod outbox;
mod readers;
mod sql;
mod writer;

/// A SQLite database file shared by clones.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Every write goes to the writer thread, which commits them in groups.
    writer: Writer,
    /// Every read goes to one of a few reader threads (see `readers`).
    readers: Readers,
    /// (device, inode) of the file when opened: if the file is deleted or
    /// replaced, our connections write to an orphan, so we report unready.
    identity: Option<(u64, u64)>,
}

impl SqliteStore {
    /// Opens (creating folder and file if missing) and creates the schema.
    pub fn open(path: &Path, collections: &[CollectionSpec]) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let writer = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        writer.execute_batch(&schema_sql(collections)?).context("cannot create the SQLite schema")?;
        outbox::migrate(&writer).context("cannot add the outbox's traceparent column")?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Writer::start(writer).context("cannot start the SQLite writer thread")?,
                readers: Readers::start(path.to_owned()).context("cannot start the SQLite reader threads")?,
                identity: file_identity(path),
            }),
        })
    }

    pub(crate) fn describe(&self) -> String {
        format!("sqlite:{}", self.inner.path.display())
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        if file_identity(&self.inner.path) != self.inner.identity {
            return Err(StoreError::Unavailable(anyhow::anyhow!(
                "{} was removed or replaced",
                self.inner.path.display()
            )));
        }
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?)).await
    }

    pub(crate) async fn insert(
        &self,
        spec: &CollectionSpec,
        doc: RawDoc,
        events: &[Outgoing],
    ) -> Result<(), StoreError> {
        let (table, events) = (spec.name, events.to_vec());
        self.write(move |conn| {
            let (id, version, json) = columns(&doc)?;
            // Cached: parsing the statement again cost as much as running it.
            conn.prepare_cached(&format!("INSERT INTO \"{table}\" (id, version, doc) VALUES (?1, ?2, ?3)"))?
                .execute(params![id, version, json])
                .map_err(classify)?;
            append_outbox(conn, &events)
        })
        .await
    }

    /// The document with `id`, read straight into `T` from its stored text
    /// (no `RawDoc` in between: that map cost as much as the rest of a list).
    pub(crate) async fn get<T: DeserializeOwned + Send + 'static>(
        &self,
        spec: &CollectionSpec,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let (table, id) = (spec.name, id.to_owned());
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!("SELECT doc FROM \"{table}\" WHERE id = ?1"))?;
            let mut rows = statement.query(params![id])?;
            match rows.next()? {
                Some(row) => Ok(Some(parse_as(table, text(row, 0)?)?)),
                None => Ok(None),
            }
        })
        .await
    }

    /// Matching documents in id order, read straight into `T`, and the last
    /// one's id (where a keyset stream's next batch starts).
    pub(crate) async fn find<T: DeserializeOwned + Send + 'static>(
        &self,
        spec: &CollectionSpec,
        filter: &[(&str, Value)],
        page: Option<&Page>,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let table = spec.name;
        let (sql, values) = select_sql(table, filter, page)?;
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
            let mut rows = statement.query(params.as_slice())?;
            let (mut found, mut last) = (Vec::new(), String::new());
            while let Some(row) = rows.next()? {
                found.push(parse_as(table, text(row, 1)?)?);
                // One buffer for the id, kept for the last row only.
                last.clear();
                last.push_str(text(row, 0)?);
            }
            Ok((found, (!last.is_empty()).then_some(last)))
        })
        .await
    }

    pub(crate) async fn update(
        &self,
        spec: &CollectionSpec,
        doc: RawDoc,
        expected_version: i64,
        events: &[Outgoing],
    ) -> Result<bool, StoreError> {
        let (table, events) = (spec.name, events.to_vec());
        self.write(move |conn| {
            let (id, version, json) = columns(&doc)?;
            let changed = conn
                .prepare_cached(&format!(
                    "UPDATE \"{table}\" SET version = ?1, doc = ?2 WHERE id = ?3 AND version = ?4"
                ))?
                .execute(params![version, json, id, expected_version])
                .map_err(classify)?;
            if changed == 0 {
                return Ok(false);
            }
            append_outbox(conn, &events)?;
            Ok(true)
        })
        .await
    }

    /// Runs `work` in the writer thread's next group commit (see `writer`):
    /// inside a transaction it must not end itself.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.inner.writer.write(work).await
    }

    /// Runs `work` on a reader connection, off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.inner.readers.read(work).await
    }
}

/// Column `index` of `row` as text (the id and document columns are TEXT).
fn text<'row>(row: &'row rusqlite::Row<'_>, index: usize) -> Result<&'row str, StoreError> {
    Ok(row.get_ref(index)?.as_str().map_err(anyhow::Error::from)?)
}
