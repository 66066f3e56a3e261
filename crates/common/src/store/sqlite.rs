//! The embedded SQLite adapter: the default for local runs and tests.
//!
//! One table per collection holds `(id, version, doc)` with the document as
//! JSON text; indexes are expression indexes on `json_extract(doc, '$.field')`,
//! partial where the spec says so. The outbox is one more table written in the
//! same transaction as the change. All writes go through one connection (SQLite
//! has a single writer anyway), which makes unique checks and version checks
//! plain constraint failures; reads use a few extra connections, which WAL
//! mode lets run beside the writer.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use anyhow::Context as _;
use rusqlite::{Connection, ErrorCode, OpenFlags, ToSql, params, types::Value as SqlValue};
use serde_json::Value;

use super::{CollectionSpec, PendingEvent, PendingKey, RawDoc, StoreError};
use crate::events::Outgoing;

/// Extra read connections kept open.
const READERS: usize = 4;

/// A SQLite database file shared by clones.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
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
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                identity: file_identity(path),
            }),
        })
    }

    pub(crate) async fn prepare(&self) -> Result<(), StoreError> {
        Ok(())
    }

    pub(crate) fn is_prepared(&self) -> bool {
        true
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
            let tx = conn.transaction()?;
            let (id, version, json) = columns(&doc)?;
            tx.execute(
                &format!("INSERT INTO \"{table}\" (id, version, doc) VALUES (?1, ?2, ?3)"),
                params![id, version, json],
            )
            .map_err(classify)?;
            append_outbox(&tx, &events)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn get(&self, spec: &CollectionSpec, id: &str) -> Result<Option<RawDoc>, StoreError> {
        let (table, id) = (spec.name, id.to_owned());
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!("SELECT doc FROM \"{table}\" WHERE id = ?1"))?;
            let mut rows = statement.query(params![id])?;
            match rows.next()? {
                Some(row) => Ok(Some(parse_doc(&row.get::<_, String>(0)?)?)),
                None => Ok(None),
            }
        })
        .await
    }

    pub(crate) async fn find(
        &self,
        spec: &CollectionSpec,
        filter: &[(&str, Value)],
    ) -> Result<Vec<RawDoc>, StoreError> {
        let table = spec.name;
        let mut clauses = Vec::new();
        let mut values: Vec<SqlValue> = Vec::new();
        for (field, value) in filter {
            check_identifier(field)?;
            match to_sql(value)? {
                None => clauses.push(format!("json_extract(doc, '$.{field}') IS NULL")),
                Some(bound) => {
                    values.push(bound);
                    clauses.push(format!("json_extract(doc, '$.{field}') = ?{}", values.len()));
                }
            }
        }
        let condition = if clauses.is_empty() { "1".to_owned() } else { clauses.join(" AND ") };
        let sql = format!("SELECT doc FROM \"{table}\" WHERE {condition} ORDER BY id");
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
            let rows = statement.query_map(params.as_slice(), |row| row.get::<_, String>(0))?;
            rows.map(|json| parse_doc(&json?)).collect()
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
            let tx = conn.transaction()?;
            let (id, version, json) = columns(&doc)?;
            let changed = tx
                .execute(
                    &format!("UPDATE \"{table}\" SET version = ?1, doc = ?2 WHERE id = ?3 AND version = ?4"),
                    params![version, json, id, expected_version],
                )
                .map_err(classify)?;
            if changed == 0 {
                return Ok(false);
            }
            append_outbox(&tx, &events)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn| {
            let mut statement =
                conn.prepare_cached("SELECT seq, subject, message_id, payload FROM _outbox ORDER BY seq LIMIT ?1")?;
            let rows = statement.query_map(params![limit], |row| {
                Ok(PendingEvent {
                    key: PendingKey::Sqlite(row.get(0)?),
                    event: Outgoing { subject: row.get(1)?, message_id: row.get(2)?, payload: row.get(3)? },
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub(crate) async fn mark_sent(&self, events: &[PendingEvent]) -> Result<(), StoreError> {
        let seqs: Vec<i64> =
            events.iter().filter_map(|e| if let PendingKey::Sqlite(seq) = e.key { Some(seq) } else { None }).collect();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut statement = tx.prepare_cached("DELETE FROM _outbox WHERE seq = ?1")?;
                for seq in seqs {
                    statement.execute(params![seq])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn pending_count(&self) -> Result<u64, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM _outbox", [], |row| row.get::<_, i64>(0))? as u64))
            .await
    }

    /// Runs `work` on the writer connection, off the async threads.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut conn)
        })
        .await
    }

    /// Runs `work` on a pooled reader connection, off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let pooled = inner.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = work(&conn);
            let mut readers = inner.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if readers.len() < READERS {
                readers.push(conn);
            }
            result
        })
        .await
    }
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| StoreError::Other(anyhow::anyhow!("store task failed: {join}")))?
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Unavailable(e.into()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn schema_sql(collections: &[CollectionSpec]) -> anyhow::Result<String> {
    let mut sql = String::from(
        "CREATE TABLE IF NOT EXISTS _outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            subject TEXT NOT NULL,
            message_id TEXT NOT NULL,
            payload TEXT NOT NULL
        );\n",
    );
    for spec in collections {
        check_identifier(spec.name)?;
        sql.push_str(&format!(
            "CREATE TABLE IF NOT EXISTS \"{0}\" (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);\n",
            spec.name
        ));
        for index in spec.indexes {
            check_identifier(index.name)?;
            check_identifier(index.field)?;
            let unique = if index.unique { "UNIQUE " } else { "" };
            let condition = match index.only_when {
                None => String::new(),
                Some((field, values)) => {
                    check_identifier(field)?;
                    let list: Vec<String> = values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
                    format!(" WHERE json_extract(doc, '$.{field}') IN ({})", list.join(", "))
                }
            };
            sql.push_str(&format!(
                "CREATE {unique}INDEX IF NOT EXISTS \"{}\" ON \"{}\" (json_extract(doc, '$.{}')){condition};\n",
                index.name, spec.name, index.field
            ));
        }
    }
    Ok(sql)
}

/// Names are spliced into SQL, so only plain identifiers are allowed.
fn check_identifier(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok { Ok(()) } else { Err(anyhow::anyhow!("`{name}` is not a plain identifier").into()) }
}

fn columns(doc: &RawDoc) -> Result<(String, i64, String), StoreError> {
    let id = doc.get("id").and_then(Value::as_str).context("document without id")?.to_owned();
    let version = doc.get("version").and_then(Value::as_i64).context("document without version")?;
    let json = serde_json::to_string(doc).context("document does not serialize")?;
    Ok((id, version, json))
}

fn parse_doc(json: &str) -> Result<RawDoc, StoreError> {
    Ok(serde_json::from_str(json).context("stored document is not a JSON object")?)
}

fn to_sql(value: &Value) -> Result<Option<SqlValue>, StoreError> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => SqlValue::Integer(i),
            (None, Some(f)) => SqlValue::Real(f),
            _ => return Err(anyhow::anyhow!("unsupported number {n}").into()),
        },
        other => return Err(anyhow::anyhow!("cannot filter on {other}").into()),
    }))
}

fn append_outbox(tx: &rusqlite::Transaction<'_>, events: &[Outgoing]) -> Result<(), StoreError> {
    let mut statement = tx.prepare_cached("INSERT INTO _outbox (subject, message_id, payload) VALUES (?1, ?2, ?3)")?;
    for event in events {
        statement.execute(params![event.subject, event.message_id, event.payload])?;
    }
    Ok(())
}

/// Turns SQLite's unique-constraint failures into [`StoreError::Duplicate`].
fn classify(error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error
        && failure.code == ErrorCode::ConstraintViolation
        && message.starts_with("UNIQUE constraint failed")
    {
        // "UNIQUE constraint failed: index 'users_email'" for expression
        // indexes, "UNIQUE constraint failed: users.id" for the key.
        let index = message.split('\'').nth(1).unwrap_or("id").to_owned();
        return StoreError::Duplicate { index };
    }
    error.into()
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match &error {
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.code,
                    ErrorCode::CannotOpen | ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::ReadOnly
                ) =>
            {
                StoreError::Unavailable(error.into())
            }
            _ => StoreError::Other(error.into()),
        }
    }
}

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|meta| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    fs::metadata(path).ok().map(|_| (0, 0))
}
