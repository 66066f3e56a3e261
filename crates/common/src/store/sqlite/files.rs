//! The database file: read-only connections beside the writer, and the
//! file's identity, which tells when the file was deleted or replaced under
//! the open connections.

use std::{fs, path::Path};

use rusqlite::{Connection, OpenFlags};

use super::super::StoreError;

pub(super) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Unavailable(e.into()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // 256 KiB of pages instead of SQLite's 2 MiB: reads are key lookups and
    // keyset ranges, which need the tree's inner pages, not the leaves a
    // whole-list scan streams through (the OS caches the file anyway). Four
    // readers kept 8 MiB of pages for the tickets list alone.
    conn.pragma_update(None, "cache_size", -256)?;
    Ok(conn)
}

#[cfg(unix)]
pub(super) fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|meta| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub(super) fn file_identity(path: &Path) -> Option<(u64, u64)> {
    fs::metadata(path).ok().map(|_| (0, 0))
}
