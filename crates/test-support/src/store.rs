//! A fresh store per test: SQLite by default, MongoDB when `MONGO_URL` is set.

use common::config::DatabaseUrl;
use tempfile::TempDir;

/// Where a test's service keeps its data; the folder is deleted on drop.
pub struct TestStore {
    /// Pass this as the service's `DATABASE_URL`.
    pub url: DatabaseUrl,
    _dir: TempDir,
}

impl TestStore {
    /// A temporary SQLite file for `service`.
    pub fn sqlite(service: &str) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir for the store");
        let url = DatabaseUrl::Sqlite(dir.path().join(format!("{service}.db")));
        Self { url, _dir: dir }
    }

    /// A uniquely named database on `MONGO_URL`, when it is set.
    pub fn mongo(service: &str) -> Option<Self> {
        let base = std::env::var("MONGO_URL").ok().filter(|url| !url.is_empty())?;
        let dir = tempfile::tempdir().expect("cannot create a temp dir");
        let database = format!("test_{service}_{}", common::id::ObjectId::generate());
        Some(Self { url: DatabaseUrl::Mongo { url: base, database }, _dir: dir })
    }

    /// The store tests should use by default: MongoDB when `MONGO_URL` is
    /// set (so the whole suite can be run against it), else SQLite.
    pub fn for_service(service: &str) -> Self {
        Self::mongo(service).unwrap_or_else(|| Self::sqlite(service))
    }
}
