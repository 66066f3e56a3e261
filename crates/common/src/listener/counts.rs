//! The delivery numbers a listener has seen, as a floor under the server's.
//!
//! JetStream numbers each delivery of a message (in its reply subject), and
//! the last one `max_deliver` allows is where a failing message is
//! dead-lettered. On a loaded machine NATS 2.9 was seen to redeliver a
//! message for the fifth time numbered 1 again (after a nak, seconds late):
//! the listener took it for a first try and naked it, and the server, past
//! `max_deliver` by its own count, never delivered it again, so it was
//! neither handled nor dead-lettered. So a listener remembers the number of
//! each delivery it naked, until that message is settled, and counts on from
//! there. Messages handled at their first delivery never enter the map.

use std::{collections::HashMap, sync::Mutex};

/// Messages remembered at most; past this the memory starts over (a floor
/// is a safeguard, and this many naked messages is far past
/// `max_ack_pending`).
const LIMIT: usize = 4096;

/// The number of the last naked delivery, by stream sequence.
#[derive(Default)]
pub(super) struct DeliveryCounts {
    naked: Mutex<HashMap<u64, i64>>,
}

impl DeliveryCounts {
    /// The number of this delivery: the server's, or one more than the
    /// last naked one of this message when the server's is not above it.
    pub(super) fn count(&self, stream_sequence: u64, reported: i64) -> i64 {
        match self.lock().get(&stream_sequence) {
            Some(&last) if reported <= last => last + 1,
            _ => reported,
        }
    }

    /// Delivery `count` of the message was naked: it comes again.
    pub(super) fn naked(&self, stream_sequence: u64, count: i64) {
        let mut naked = self.lock();
        if naked.len() >= LIMIT && !naked.contains_key(&stream_sequence) {
            naked.clear();
        }
        naked.insert(stream_sequence, count);
    }

    /// The message was acked or terminated: it will not come again.
    pub(super) fn settled(&self, stream_sequence: u64) {
        let mut naked = self.lock();
        if !naked.is_empty() {
            naked.remove(&stream_sequence);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, i64>> {
        self.naked.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_that_goes_back_counts_on_from_the_highest_seen() {
        let counts = DeliveryCounts::default();
        let mut seen = Vec::new();
        for reported in [1, 2, 3, 4] {
            let count = counts.count(7, reported);
            counts.naked(7, count);
            seen.push(count);
        }
        assert_eq!(seen, [1, 2, 3, 4]);
        assert_eq!(counts.count(7, 1), 5, "the server numbered the fifth delivery 1");
        assert_eq!(counts.count(7, 6), 6, "a higher number is taken as it is");
        assert_eq!(counts.count(8, 1), 1, "other messages are counted on their own");
        counts.settled(7);
        assert_eq!(counts.count(7, 1), 1, "settled messages are forgotten");
    }
}
