//! The process around a service: its `main`, and the signals that stop it.

use std::process::ExitCode;

use super::Service;
use crate::{
    config::{ConfigError, Env},
    telemetry,
};

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The whole of a service's `main`: read settings (printing the contract's
/// message and exiting 1 when they are wrong), set up logging, build, run.
pub async fn main<S, A, B>(name: &'static str, settings: S, build: B) -> ExitCode
where
    S: FnOnce(&Env) -> Result<A, ConfigError>,
    B: AsyncFnOnce(A) -> anyhow::Result<Service>,
{
    let env = Env::from_process();
    let _traces = telemetry::init(name, &env);
    let settings = match settings(&env) {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!(error = %error, "invalid configuration");
            eprintln!("{error}");
            return ExitCode::from(1);
        }
    };
    let app = match build(settings).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "cannot start");
            eprintln!("{error:#}");
            return ExitCode::from(1);
        }
    };
    match app.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "stopped with an error");
            ExitCode::from(1)
        }
    }
}
