//! The read connections, each owned by a thread of its own.
//!
//! Reads used to run on tokio's blocking pool with pooled connections. That
//! pool starts a thread whenever none is idle at the instant of the call, and
//! a read whose slot was just freed usually arrives before the thread that
//! freed it is idle again, so 33 readers of the whole tickets list grew it
//! to 25 threads within seconds. Each new thread took its own allocator heap
//! (about 1.8 MiB resident apiece, kept after it went idle): 16 MiB of the
//! tickets service's 78 MiB peak. Here [`READERS`] threads live as long as
//! the store, each with its connection, and take jobs from one queue in the
//! order they were sent; the queue is the bound on reads running at once.

use std::{
    panic::AssertUnwindSafe,
    path::PathBuf,
    sync::{
        Arc, Mutex, PoisonError,
        mpsc::{Receiver, Sender, channel},
    },
};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{super::StoreError, files::open_reader};

/// Read connections, and reads running at once: two per core on the two
/// cores we plan for, so a read waits for a core, not for a connection.
const READERS: usize = 4;

/// One read: runs on a reader's connection, or is told why there is none.
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) + Send>;

/// The sending side; the threads stop (closing their connections) when the
/// last clone of the store, and so this, is dropped.
pub(super) struct Readers {
    jobs: Sender<Job>,
}

impl Readers {
    /// Starts the threads; each opens its connection to `path` at its first
    /// job (and again at the next one if that failed).
    pub(super) fn start(path: PathBuf) -> std::io::Result<Self> {
        let (jobs, queue) = channel();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..READERS {
            let (queue, path) = (Arc::clone(&queue), path.clone());
            std::thread::Builder::new().name(format!("sqlite-reader-{index}")).spawn(move || run(&path, &queue))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on the next free reader and returns its result.
    pub(super) async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = answer.send(conn.and_then(work));
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        // A panic in `work` drops `answer` unsent: the read failed.
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Other(anyhow::anyhow!("the read was abandoned: it panicked, or the SQLite readers stopped"))
}

fn run(path: &std::path::Path, queue: &Mutex<Receiver<Job>>) {
    let mut conn: Option<Connection> = None;
    loop {
        // One thread waits in `recv` holding the lock; the others wait for
        // the lock. Each job goes to exactly one of them.
        let Ok(job) = queue.lock().unwrap_or_else(PoisonError::into_inner).recv() else {
            return;
        };
        let opened = match conn.take() {
            Some(open) => Ok(open),
            None => open_reader(path),
        };
        match opened {
            Ok(open) => {
                // A panicking read loses its answer, not the thread.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(Ok(&open))));
                conn = Some(open);
            }
            Err(error) => job(Err(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_run_on_the_readers_and_survive_a_panic() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("read.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (7);").unwrap();
        let readers = Readers::start(path).unwrap();

        let panicked = readers.read::<()>(|_| panic!("a read that panics")).await;
        assert!(matches!(panicked, Err(StoreError::Other(_))), "{panicked:?}");
        // Many more reads than readers, all answered by the same few threads.
        let reads = (0..64).map(|_| {
            readers.read(|conn| {
                let x: i64 = conn.query_row("SELECT x FROM t", [], |row| row.get(0))?;
                Ok((x, std::thread::current().name().unwrap_or_default().to_owned()))
            })
        });
        let answers = futures::future::try_join_all(reads).await.unwrap();
        assert!(answers.iter().all(|(x, thread)| *x == 7 && thread.starts_with("sqlite-reader-")));
    }

    #[tokio::test]
    async fn a_missing_file_is_unavailable_not_created() {
        let folder = tempfile::tempdir().unwrap();
        let readers = Readers::start(folder.path().join("absent.db")).unwrap();
        let read = readers.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?)).await;
        assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    }
}
