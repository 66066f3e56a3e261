//! Events waiting in the outbox, as the relay sees them.

use crate::events::Outgoing;

/// One event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    /// Where it waits, so it can be marked sent.
    pub key: PendingKey,
    /// The event itself.
    pub event: Outgoing,
}

/// Where a pending event sits. Opaque: only the adapter that handed it out
/// reads it back, in [`Store::mark_sent`](super::Store::mark_sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingKey(pub(super) Location);

/// The adapter-specific place behind a [`PendingKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Location {
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
