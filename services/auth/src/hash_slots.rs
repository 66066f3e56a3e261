//! The bound on password hashing: memory, not CPU, is what runs out.
//!
//! Each argon2 hash holds its whole memory block (see [`crate::password`])
//! until it finishes, and the blocking pool would run hundreds at once, so
//! an unbounded burst of signins grows the process past its memory limit.
//! At most `concurrency` hashes run; up to `queue` more wait for a slot;
//! anything beyond is refused at once with 503 `Server busy, try again`,
//! because a longer queue only turns the overload into time-outs.
//!
//! Each slot owns its hash memory and lends it to the hash that runs in it.
//! Allocating a fresh block per hash let the allocator decide what to keep:
//! glibc's per-thread arenas (one per blocking-pool thread) and mimalloc's
//! per-thread caches held on to freed blocks, and a burst of signins peaked
//! at 142 MiB on glibc. With the blocks reused, the process holds at most
//! `concurrency` of them, whatever the allocator and however many threads
//! the blocking pool has used.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::Block;
use common::ApiError;
use tokio::sync::Semaphore;

/// The memory a hash runs in, lent by its slot (sized by the hash).
pub type HashMemory = Vec<Block>;

/// How long a refused client is told to wait, in seconds: about one hash
/// round for a full queue.
const RETRY_AFTER_SECONDS: u64 = 1;

/// Slots for running hashes and a bounded waiting line. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HashSlots {
    /// Running plus waiting: the admission ticket.
    admitted: Arc<Semaphore>,
    /// Running.
    running: Arc<Semaphore>,
    /// The memory of the slots not running: one per `running` permit.
    memory: Arc<Mutex<Vec<HashMemory>>>,
}

impl HashSlots {
    /// `concurrency` running hashes (at least one) and `queue` waiting.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
            running: Arc::new(Semaphore::new(concurrency)),
            memory: Arc::new(Mutex::new((0..concurrency).map(|_| HashMemory::new()).collect())),
        }
    }

    /// Runs `work` on the blocking pool, in a free slot's memory, once a slot
    /// is free, or refuses with [`ApiError::Busy`] when the line is full. The
    /// slot moves into the blocking task, so a client that hangs up does not
    /// free it before the hash is done.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let Ok(ticket) = Arc::clone(&self.admitted).try_acquire_owned() else {
            return Err(ApiError::Busy { retry_after: RETRY_AFTER_SECONDS });
        };
        let slot = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the hash slots were closed")))?;
        let pool = Arc::clone(&self.memory);
        tokio::task::spawn_blocking(move || {
            // A permit guarantees a free memory; a hash that panicked took
            // its memory with it, and the next one starts afresh.
            let mut memory = pool.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
            let result = work(&mut memory);
            pool.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
            drop((slot, ticket));
            result
        })
        .await
        .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("a password hash panicked")))
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::atomic::{AtomicUsize, Ordering},
        time::Duration,
    };

    use super::*;

    #[tokio::test]
    async fn at_most_the_concurrency_runs_and_beyond_the_queue_is_refused() {
        let slots = HashSlots::new(2, 3);
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (slots, running, peak) = (slots.clone(), Arc::clone(&running), Arc::clone(&peak));
                tokio::spawn(async move {
                    slots
                        .run(move |_| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(100));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        let mut outcomes = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => outcomes.0 += 1,
                Err(ApiError::Busy { retry_after }) => {
                    assert_eq!(retry_after, RETRY_AFTER_SECONDS);
                    outcomes.1 += 1;
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(outcomes, (5, 5), "two running and three waiting are served, the rest refused");
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        slots.run(|_| ()).await.expect("the slots are free again");
    }

    #[tokio::test]
    async fn a_slot_lends_the_same_memory_to_the_next_hash() {
        let slots = HashSlots::new(1, 0);
        let first = slots
            .run(|memory| {
                memory.resize(16, Block::new());
                memory.as_ptr() as usize
            })
            .await
            .unwrap();
        let (len, second) = slots.run(|memory| (memory.len(), memory.as_ptr() as usize)).await.unwrap();
        assert_eq!((len, second), (16, first), "no new allocation for the second hash");
    }
}
