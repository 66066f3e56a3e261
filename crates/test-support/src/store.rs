//! A fresh store per test: a temporary SQLite file, or a uniquely named
//! database on the MongoDB-wire server at `MONGO_URL`.
//!
//! Tests choose the backend explicitly. A test that asks for MongoDB without
//! `MONGO_URL` fails: such tests are named `mongo::…`, which the default
//! nextest filter leaves out (reported as skipped, never as passed), and
//! `scripts/test.sh` starts a server and runs them.

use common::config::DatabaseUrl;
use tempfile::TempDir;

/// Which adapter a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mongo,
}

/// Where a test's service keeps its data; the folder is deleted on drop.
pub struct TestStore {
    /// Pass this as the service's `DATABASE_URL`.
    pub url: DatabaseUrl,
    _dir: TempDir,
}

impl TestStore {
    /// A store for `service` on `backend`.
    pub fn on(backend: Backend, service: &str) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(service),
            Backend::Mongo => Self::mongo(service),
        }
    }

    /// The store a service's own suite uses: SQLite, unless `TEST_STORE=mongo`
    /// asks for the whole suite to run on `MONGO_URL` (a way to hunt adapter
    /// defects; CI runs the `mongo::…` cases instead).
    pub fn for_service(service: &str) -> Self {
        match std::env::var("TEST_STORE").as_deref() {
            Ok("mongo") => Self::mongo(service),
            _ => Self::sqlite(service),
        }
    }

    /// A temporary SQLite file for `service`.
    pub fn sqlite(service: &str) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir for the store");
        let url = DatabaseUrl::Sqlite(dir.path().join(format!("{service}.db")));
        Self { url, _dir: dir }
    }

    /// A uniquely named database for `service` on `MONGO_URL`.
    ///
    /// # Panics
    /// When `MONGO_URL` is unset: a MongoDB case that cannot run must not pass.
    pub fn mongo(service: &str) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir");
        let database = format!("test_{service}_{}", common::id::ObjectId::generate());
        Self { url: DatabaseUrl::Mongo { url: mongo_url(), database }, _dir: dir }
    }
}

/// `MONGO_URL`, or a panic that says how to get one.
pub fn mongo_url() -> String {
    std::env::var("MONGO_URL").ok().filter(|url| !url.is_empty()).unwrap_or_else(|| {
        panic!("MONGO_URL is not set: this MongoDB case cannot run (scripts/test.sh starts a MongoDB-wire server)")
    })
}
