//! The expiration binary: settings from the environment, then the service.

use expiration::{config::Settings, startup::Application};

common::fast_allocator!();

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("expiration", Settings::from_env, Application::build).await
}
