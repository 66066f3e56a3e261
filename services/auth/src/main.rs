//! The auth binary: settings from the environment, then the service.

use auth::{config::Settings, startup::Application};

common::fast_allocator!();

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("auth", Settings::from_env, Application::build).await
}
