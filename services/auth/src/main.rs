//! The auth binary: settings from the environment, then the service.

use auth::{config::Settings, startup::Application};

// No `common::fast_allocator!()` here, unlike the other binaries: auth's
// heavy work is argon2, which takes a 9 MiB block per hash and frees it.
// musl's allocator maps and unmaps such a block directly, so the memory is
// back with the kernel the moment a hash ends; mimalloc keeps it cached per
// thread, and the burst test (100 concurrent sign-ins) then peaked at
// 105 MiB against its 96 MiB budget (the pod's limit is 128 MiB). Requests
// here are few and CPU-bound in argon2, where the allocator does not matter.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("auth", Settings::from_env, Application::build).await
}
