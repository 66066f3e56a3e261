//! The outbox table: appended to inside each write's transaction, read in
//! `seq` order by the relay, and emptied row by row as events are sent.

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
            let mut statement =
                conn.prepare_cached("SELECT seq, subject, message_id, payload FROM _outbox ORDER BY seq LIMIT ?1")?;
            let rows = statement.query_map(params![limit], |row| {
                Ok(PendingEvent {
                    key: PendingKey(Location::Sqlite(row.get(0)?)),
                    event: Outgoing { subject: row.get(1)?, message_id: row.get(2)?, payload: row.get(3)? },
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
}

pub(super) fn append_outbox(tx: &rusqlite::Transaction<'_>, events: &[Outgoing]) -> Result<(), StoreError> {
    let mut statement = tx.prepare_cached("INSERT INTO _outbox (subject, message_id, payload) VALUES (?1, ?2, ?3)")?;
    for event in events {
        statement.execute(params![event.subject, event.message_id, event.payload])?;
    }
    Ok(())
}
