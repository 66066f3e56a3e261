//! The payments binary: settings from the environment, then the service.

use payments::{config::Settings, startup::Application};

common::fast_allocator!();

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("payments", Settings::from_env, Application::build).await
}
