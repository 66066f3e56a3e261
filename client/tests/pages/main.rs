//! The client's pages over plain HTTP, through the launcher's one origin with
//! every real service behind it: what the server sends before any script
//! runs (the data, the statuses, the redirects), and the client's own routes.
//!
//! The binaries must be built first (`cargo build --workspace --bins`, which
//! `scripts/test.sh` does); the browser side is `scripts/browser-tests.sh`.

mod answers;
mod data;
mod helpers;
mod listings;
