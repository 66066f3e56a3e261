//! The embedded outbox: entries appended to each written document's
//! `_outbox` array, found by a sparse index on their `seq`, and `$pull`ed one
//! by one once published. Ordering across documents comes from `seq`
//! (milliseconds × 1000 + a per-process counter).

use std::sync::atomic::Ordering;

use anyhow::Context as _;
use futures::TryStreamExt as _;
use mongodb::bson::{Bson, Document, doc};

use super::{
    super::{PendingEvent, PendingKey, StoreError, pending::Location},
    MongoStore, OUTBOX, classify,
};
use crate::events::Outgoing;

impl MongoStore {
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
            if let PendingKey(Location::Mongo { collection, id }) = &pending.key {
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

    pub(super) fn outbox_entries(&self, events: &[Outgoing]) -> Vec<Document> {
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

pub(super) fn outbox_entry(seq: i64, event: &Outgoing) -> Document {
    doc! { "seq": seq, "subject": &event.subject, "messageId": &event.message_id, "payload": &event.payload }
}

/// Documents with at least one unsent event.
pub(super) fn pending_filter() -> Document {
    doc! { "_outbox.seq": { "$exists": true } }
}

/// Removes one published event from a document's outbox.
pub(super) fn mark_sent_update(message_id: &str) -> Document {
    doc! { "$pull": { OUTBOX: { "messageId": message_id } } }
}

pub(super) fn count_pipeline() -> Vec<Document> {
    vec![
        doc! { "$match": pending_filter() },
        doc! { "$group": { "_id": Bson::Null, "n": { "$sum": { "$size": "$_outbox" } } } },
    ]
}

pub(super) fn pending_from(collection: &str, document: &Document) -> Result<Vec<(i64, PendingEvent)>, StoreError> {
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
            let key = PendingKey(Location::Mongo { collection: collection.to_owned(), id: id.to_owned() });
            Ok((seq, PendingEvent { key, event }))
        })
        .collect()
}
