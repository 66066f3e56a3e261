//! The outbox table: appended to inside each write's transaction, read in
//! `seq` order by the relay, and emptied row by row as events are sent.
//! Each row keeps the event's `traceparent` (nullable: none when traces are
//! off), a column added to older files by [`migrate`].

use rusqlite::params;

use super::{
    super::{PendingEvent, PendingKey, StoreError, pending::Location},
    SqliteStore,
};
use crate::events::Outgoing;

impl SqliteStore {
    pub(crate) async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, subject, message_id, payload, traceparent FROM _outbox ORDER BY seq LIMIT ?1",
            )?;
            let rows = statement.query_map(params![limit], |row| {
                Ok(PendingEvent {
                    key: PendingKey(Location::Sqlite(row.get(0)?)),
                    event: Outgoing {
                        subject: row.get(1)?,
                        message_id: row.get(2)?,
                        payload: row.get(3)?,
                        traceparent: row.get(4)?,
                    },
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub(crate) async fn mark_sent(&self, events: &[PendingEvent]) -> Result<(), StoreError> {
        let seqs: Vec<i64> = events
            .iter()
            .filter_map(|e| if let PendingKey(Location::Sqlite(seq)) = e.key { Some(seq) } else { None })
            .collect();
        self.write(move |conn| {
            let mut statement = conn.prepare_cached("DELETE FROM _outbox WHERE seq = ?1")?;
            for seq in seqs {
                statement.execute(params![seq])?;
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn pending_count(&self) -> Result<u64, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM _outbox", [], |row| row.get::<_, i64>(0))? as u64))
            .await
    }
}

pub(super) fn append_outbox(conn: &rusqlite::Connection, events: &[Outgoing]) -> Result<(), StoreError> {
    let mut statement =
        conn.prepare_cached("INSERT INTO _outbox (subject, message_id, payload, traceparent) VALUES (?1, ?2, ?3, ?4)")?;
    for event in events {
        statement.execute(params![event.subject, event.message_id, event.payload, event.traceparent])?;
    }
    Ok(())
}

/// Adds the `traceparent` column to an outbox made before traces (a file
/// from an earlier version keeps its pending events, which get none).
pub(super) fn migrate(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let has_column: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('_outbox') WHERE name = 'traceparent'",
        [],
        |row| row.get(0),
    )?;
    if !has_column {
        conn.execute_batch("ALTER TABLE _outbox ADD COLUMN traceparent TEXT")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_outbox_from_before_traces_gains_the_column_and_keeps_its_events() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("old.db");
        {
            let old = rusqlite::Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE _outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL,
                 message_id TEXT NOT NULL, payload TEXT NOT NULL);
                 INSERT INTO _outbox (subject, message_id, payload) VALUES ('ticket.created', 'm1', '{}');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path, &[]).unwrap();
        let pending = store.pending_events(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!((pending[0].event.message_id.as_str(), pending[0].event.traceparent.as_deref()), ("m1", None));
        drop(store);
        // Opening again finds the column there and changes nothing.
        let again = SqliteStore::open(&path, &[]).unwrap();
        assert_eq!(again.pending_count().await.unwrap(), 1);
    }
}
