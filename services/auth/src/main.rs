//! The auth binary: settings from the environment, then the service.

use auth::{config::Settings, startup::Application};

// mimalloc, like every other binary. Auth's heavy work is argon2, whose 9 MiB
// blocks used to be allocated per hash; mimalloc (and glibc's per-thread
// arenas) kept freed ones cached per thread, so a burst of sign-ins peaked
// over its budget. Each hash slot now owns its block and reuses it
// (`hash_slots`), so the allocator no longer sees those blocks come and go.
common::fast_allocator!();

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("auth", Settings::from_env, Application::build).await
}
