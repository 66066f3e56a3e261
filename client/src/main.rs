//! The client's server: renders the pages and serves the hydration bundle.

use std::process::ExitCode;

use client::server::{config::Settings, startup::Application};

common::fast_allocator!();

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::main("client", Settings::from_env, Application::build).await
}
