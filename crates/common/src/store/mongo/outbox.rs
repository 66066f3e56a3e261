//! The embedded outbox: entries appended to each written document's
//! `_outbox` array, found through a partial index on their `seq`, and
//! `$pull`ed, a whole batch per collection in one update, once published.
//!
//! `seq` comes from one counter document per database (`$inc` by the number
//! of events, before the write), never from a clock: two processes with
//! skewed clocks, or one writing faster than a counter could wrap, still get
//! strictly increasing numbers. The counter is read after the service read
//! the document it changes, so a later version of a document always carries
//! a larger `seq` than the version it replaced. A write that then fails only
//! leaves a gap.

use std::collections::BTreeMap;

use anyhow::Context as _;
use futures::TryStreamExt as _;
use mongodb::{
    bson::{Bson, Document, doc},
    options::ReturnDocument,
};

use super::{
    super::{PendingEvent, PendingKey, StoreError, pending::Location},
    MongoStore, OUTBOX, classify,
};
use crate::events::Outgoing;

/// The collection holding the sequence counter.
pub(super) const SEQUENCES: &str = "_sequences";
/// The counter document's `_id`.
const OUTBOX_SEQUENCE: &str = "outbox";

impl MongoStore {
    /// The `limit` oldest pending events. Each collection answers at most
    /// `limit` documents, smallest `seq` first, straight from the index: the
    /// document holding the k-th oldest event has at most k-1 documents with
    /// an older first event, so nothing older is cut off, and a batch costs
    /// `limit` documents per collection whatever the backlog.
    pub(crate) async fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        let mut pending = Vec::new();
        for spec in &self.inner.collections {
            let cursor = self
                .ready_collection(spec.name)?
                .find(pending_filter())
                .sort(pending_sort())
                .limit(i64::try_from(limit).unwrap_or(i64::MAX))
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

    /// One `updateMany` per collection the batch touches.
    pub(crate) async fn mark_sent(&self, events: &[PendingEvent]) -> Result<(), StoreError> {
        for (collection, (ids, message_ids)) in group_by_collection(events) {
            self.ready_collection(collection)?
                .update_many(mark_sent_filter(&ids), mark_sent_update(&message_ids))
                .await
                .map_err(classify)?;
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

    /// The outbox entries for `events`, numbered from the shared counter
    /// (no round trip when there are none).
    pub(super) async fn outbox_entries(&self, events: &[Outgoing]) -> Result<Vec<Document>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let count = i64::try_from(events.len()).context("too many events")?;
        let mut attempt = 0;
        let counter = loop {
            let reserved = self
                .collection(SEQUENCES)
                .find_one_and_update(doc! { "_id": OUTBOX_SEQUENCE }, sequence_update(count))
                .upsert(true)
                .return_document(ReturnDocument::After)
                .await
                .map_err(classify);
            match reserved {
                // Two first-ever upserts race on the counter's `_id`: the
                // loser retries and finds the winner's document. (MongoDB
                // answers the loser with a duplicate key; SecantusDB, the
                // test surrogate, sometimes with no document at all.)
                Err(StoreError::Duplicate { .. }) | Ok(None) if attempt < 3 => attempt += 1,
                other => break other?.context("the sequence counter was not returned")?,
            }
        };
        let last = sequence_value(&counter)?;
        Ok(events.iter().zip(last - count + 1..).map(|(event, seq)| outbox_entry(seq, event)).collect())
    }
}

/// An outbox element; `traceparent` only when the event has one (traces on).
pub(super) fn outbox_entry(seq: i64, event: &Outgoing) -> Document {
    let mut entry =
        doc! { "seq": seq, "subject": &event.subject, "messageId": &event.message_id, "payload": &event.payload };
    if let Some(traceparent) = &event.traceparent {
        entry.insert("traceparent", traceparent);
    }
    entry
}

/// Reserves `count` sequence numbers; the answer holds the last one.
pub(super) fn sequence_update(count: i64) -> Document {
    doc! { "$inc": { "next": count } }
}

fn sequence_value(counter: &Document) -> Result<i64, StoreError> {
    let value = counter.get("next").context("the sequence counter has no value")?;
    let next =
        value.as_i64().or_else(|| value.as_i32().map(i64::from)).context("the sequence counter is not an integer")?;
    Ok(next)
}

/// Documents with at least one unsent event: exactly the index's partial
/// filter, so the planner may use it.
pub(super) fn pending_filter() -> Document {
    doc! { "_outbox.seq": { "$exists": true } }
}

/// Ascending on a multikey field sorts each document by its smallest `seq`.
pub(super) fn pending_sort() -> Document {
    doc! { "_outbox.seq": 1 }
}

pub(super) fn mark_sent_filter(ids: &[&str]) -> Document {
    doc! { "_id": { "$in": ids } }
}

/// Removes the published events from their documents' outboxes.
pub(super) fn mark_sent_update(message_ids: &[&str]) -> Document {
    doc! { "$pull": { OUTBOX: { "messageId": { "$in": message_ids } } } }
}

type Owners<'a> = (Vec<&'a str>, Vec<&'a str>);

fn group_by_collection(events: &[PendingEvent]) -> BTreeMap<&str, Owners<'_>> {
    let mut groups: BTreeMap<&str, Owners<'_>> = BTreeMap::new();
    for pending in events {
        if let PendingKey(Location::Mongo { collection, id }) = &pending.key {
            let (ids, message_ids) = groups.entry(collection.as_str()).or_default();
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
            message_ids.push(&pending.event.message_id);
        }
    }
    groups
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
            let event = Outgoing {
                subject: text("subject")?,
                message_id: text("messageId")?,
                payload: text("payload")?,
                traceparent: entry.get_str("traceparent").ok().map(str::to_owned),
            };
            let key = PendingKey(Location::Mongo { collection: collection.to_owned(), id: id.to_owned() });
            Ok((seq, PendingEvent { key, event }))
        })
        .collect()
}
