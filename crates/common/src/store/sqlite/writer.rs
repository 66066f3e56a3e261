//! The writer connection on a thread of its own, committing writes in groups.
//!
//! SQLite has one writer, and each commit appends every page it changed to
//! the WAL: a ticket's insert touches a table leaf, the key's index and the
//! outbox, so one commit per write wrote about 12 KiB for 300 bytes of
//! document, and concurrent writers (a listener's lanes, 32 connections
//! posting tickets) queued on that. Here every write is a job sent to one
//! thread that owns the connection; it takes every job waiting when it wakes
//! (at most [`GROUP`]), runs each inside a savepoint of one transaction and
//! commits once, so many writes share a commit and the pages it writes. A
//! job that fails rolls back to its savepoint alone; a failed commit fails
//! every job of the group. Nobody hears "written" before the commit that
//! holds their write, so the guarantees are those of a commit per write.

use std::{
    panic::AssertUnwindSafe,
    sync::mpsc::{Receiver, Sender, channel},
};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::super::StoreError;

/// The most writes one commit holds: enough for a listener's whole batch,
/// few enough that the first of them is not kept waiting long.
const GROUP: usize = 128;

/// One write: runs on the writer connection (or is told why it cannot), says
/// whether it succeeded, and returns what to tell its caller once the
/// group's commit is known.
type Job = Box<dyn FnOnce(Result<&mut Connection, &StoreError>) -> (bool, Reply) + Send>;
/// Told the group's outcome (`None`: committed), it answers the caller.
type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// The sending side; the thread stops (closing the connection) when the
/// last clone of the store, and so this, is dropped.
pub(super) struct Writer {
    jobs: Sender<Job>,
}

impl Writer {
    /// Moves `conn` to a new thread that commits the writes sent to it.
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let (jobs, queue) = channel();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || run(conn, &queue))?;
        Ok(Self { jobs })
    }

    /// Runs `work` in the next group and returns its result once committed.
    /// `work` must not begin or end a transaction itself: it runs inside one.
    pub(super) async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Ok(conn) => work(conn),
                Err(error) => Err(again(error)),
            };
            // Whether to keep its changes: a failed write's are rolled back.
            let succeeded = result.is_ok();
            let reply: Reply = Box::new(move |failed_commit| {
                let _ = answer.send(match (result, failed_commit) {
                    (Ok(value), None) => Ok(value),
                    (Ok(_), Some(error)) => Err(again(error)),
                    (Err(error), _) => Err(error),
                });
            });
            (succeeded, reply)
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        // A panic in `work` drops `answer` unsent: the write failed.
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Other(anyhow::anyhow!("the write was abandoned: it panicked, or the SQLite writer thread stopped"))
}

/// The failure of a group's transaction, for each job in it.
fn again(error: &StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(cause) => StoreError::Unavailable(anyhow::anyhow!("the write failed: {cause:#}")),
        other => StoreError::Other(anyhow::anyhow!("the write failed: {other:#}")),
    }
}

fn run(mut conn: Connection, queue: &Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, group);
    }
}

/// One transaction for the group, one savepoint per job.
fn commit_group(conn: &mut Connection, group: Vec<Job>) {
    if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
        let error = StoreError::from(error);
        for job in group {
            let (_, reply) = job(Err(&error));
            reply(Some(&error));
        }
        return;
    }
    let mut replies = Vec::with_capacity(group.len());
    for job in group {
        if let Err(error) = conn.execute_batch("SAVEPOINT job") {
            let (_, reply) = job(Err(&StoreError::from(error)));
            replies.push(reply);
            continue;
        }
        let kept = match std::panic::catch_unwind(AssertUnwindSafe(|| job(Ok(&mut *conn)))) {
            Ok((kept, reply)) => {
                replies.push(reply);
                kept
            }
            // Its answer was dropped unwinding: the caller hears the writer stopped.
            Err(_panic) => false,
        };
        if !kept {
            let _ = conn.execute_batch("ROLLBACK TO job");
        }
        let _ = conn.execute_batch("RELEASE job");
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => replies.into_iter().for_each(|reply| reply(None)),
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            let error = StoreError::from(error);
            replies.into_iter().for_each(|reply| reply(Some(&error)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(folder: &tempfile::TempDir) -> (Writer, Connection) {
        let path = folder.path().join("group.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY)").unwrap();
        (Writer::start(conn).unwrap(), Connection::open(&path).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failed_or_panicking_write_in_a_group_leaves_the_others_committed() {
        let folder = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&folder);
        let writer = std::sync::Arc::new(writer);
        let writes = (0..400i64).map(|n| {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .write(move |conn| {
                        conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                        match n % 10 {
                            // Wrote, then failed: its row must go.
                            3 => Err(StoreError::Other(anyhow::anyhow!("refused {n}"))),
                            7 => panic!("write {n} panicked"),
                            _ => Ok(n),
                        }
                    })
                    .await
            })
        });
        let results = futures::future::join_all(writes).await;
        let committed: Vec<i64> = results.into_iter().filter_map(|r| r.unwrap().ok()).collect();
        assert_eq!(committed.len(), 320, "every write but the failed and the panicked ones");
        let rows: i64 =
            reader.query_row("SELECT COUNT(*) FROM t WHERE n % 10 NOT IN (3, 7)", [], |r| r.get(0)).unwrap();
        let stray: i64 = reader.query_row("SELECT COUNT(*) FROM t WHERE n % 10 IN (3, 7)", [], |r| r.get(0)).unwrap();
        assert_eq!((rows, stray), (320, 0));
    }

    #[tokio::test]
    async fn a_duplicate_is_its_callers_error_only() {
        let folder = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&folder);
        let insert = |n: i64| writer.write(move |conn| Ok(conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?));
        let (a, b, c) = tokio::join!(insert(1), insert(1), insert(2));
        assert_eq!(a.unwrap(), 1);
        assert!(b.is_err(), "the second insert of 1 fails");
        assert_eq!(c.unwrap(), 1);
        let count: i64 = reader.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 2);
    }
}
