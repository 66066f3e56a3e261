//! The streams the bus creates, and how a full one shows in a PubAck.

use std::time::Duration;

use async_nats::jetstream::{
    self, ErrorCode,
    context::PublishError,
    stream::{Config as StreamConfig, DiscardPolicy, RetentionPolicy, StorageType},
};

use crate::events::{DLQ_STREAM, DLQ_SUBJECTS, STREAM, STREAM_SUBJECTS};

/// Whether JetStream refused a publish because the stream (or the server's
/// storage) is full. With discard-new, a stream at `max_bytes` answers
/// "maximum bytes exceeded" as a store failure (10077); an account or server
/// out of storage answers 10047.
pub(super) fn is_stream_full(error: &PublishError) -> bool {
    std::error::Error::source(error).and_then(|source| source.downcast_ref::<jetstream::Error>()).is_some_and(|error| {
        error.error_code() == ErrorCode::STORAGE_RESOURCES_EXCEEDED
            || (error.error_code() == ErrorCode::STREAM_STORE_FAILED && error.to_string().contains("maximum"))
    })
}

/// `TICKETING`: every event, kept 7 days, deduplicated over 120 s, at most
/// `max_bytes`. When full it refuses new messages rather than dropping old
/// ones a consumer may not have read yet: the outbox keeps the refused events
/// and the relay retries them (contract 5).
pub fn ticketing_stream(max_bytes: i64) -> StreamConfig {
    StreamConfig {
        name: STREAM.to_owned(),
        subjects: STREAM_SUBJECTS.iter().map(|s| (*s).to_owned()).collect(),
        storage: StorageType::File,
        retention: RetentionPolicy::Limits,
        discard: DiscardPolicy::New,
        max_bytes,
        max_age: Duration::from_secs(7 * 24 * 3600),
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    }
}

/// `TICKETING_DLQ`: dead letters, kept 30 days.
pub fn dead_letter_stream() -> StreamConfig {
    StreamConfig {
        name: DLQ_STREAM.to_owned(),
        subjects: DLQ_SUBJECTS.iter().map(|s| (*s).to_owned()).collect(),
        storage: StorageType::File,
        retention: RetentionPolicy::Limits,
        max_age: Duration::from_secs(30 * 24 * 3600),
        duplicate_window: Duration::from_secs(120),
        // Unlimited, spelled as the server reports it (the default 0 reads
        // back as -1, and every later start warned about a difference).
        max_bytes: -1,
        ..Default::default()
    }
}
