//! The orders binary: settings from the environment, then the service.

use orders::{config::Settings, startup::Application};

common::fast_allocator!();

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::runtime::main("orders", Settings::from_env, Application::build).await
}
