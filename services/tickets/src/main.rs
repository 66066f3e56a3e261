//! The tickets binary: settings from the environment, then the service.

use tickets::{config::Settings, startup::Application};

common::fast_allocator!();

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("tickets", Settings::from_env, Application::build).await
}
