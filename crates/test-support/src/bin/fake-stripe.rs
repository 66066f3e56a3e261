//! The fake Stripe as its own process, for the local stack: serves the
//! Stripe-compatible API of `test_support::fake_stripe` on `PORT` (default
//! 3007, the stack's fake Stripe port) until SIGTERM or Ctrl-C.

use std::{net::SocketAddr, process::ExitCode};

use common::config::Env;

#[tokio::main]
async fn main() -> ExitCode {
    let env = Env::from_process();
    let _traces = common::telemetry::init("fake-stripe", &env);
    let Ok(Ok(port)) = env.positive_int("PORT", 3007).map(u16::try_from) else {
        eprintln!("PORT must be a positive integer");
        return ExitCode::from(1);
    };
    let addr = SocketAddr::from(([0, 0, 0, 0], port));
    let listener = match common::http::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(1);
        }
    };
    tracing::info!(address = %addr, "fake Stripe listening");
    match test_support::fake_stripe::serve(listener, common::runtime::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fake Stripe stopped: {error}");
            ExitCode::from(1)
        }
    }
}
