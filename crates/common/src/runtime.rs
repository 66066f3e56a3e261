//! Running a service: the HTTP server, its background tasks, start-up in the
//! background and an orderly shutdown. Every service is assembled from the
//! same pieces, so this lives here once:
//!
//! 1. the port is bound first (a bind failure exits 1 at once);
//! 2. stores and NATS are connected and set up in the background, with
//!    backoff; `/readyz` answers 503 until they are;
//! 3. on SIGTERM/SIGINT `/readyz` turns 503, new connections stop, in-flight
//!    requests get 10 s, listeners, the relay and workers finish the item in
//!    hand, and the process exits 0, or 1 if all that overruns 20 s.

use std::{future::Future, pin::Pin, process::ExitCode, time::Duration};

use axum::{Router, extract::Request};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{
    bus::{Bus, listener::Listener},
    config::{ConfigError, Env},
    http::{self, metrics::Metrics, readiness::Readiness},
    store::{Store, relay},
    telemetry,
};

/// In-flight requests get this long after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);
/// Everything must have stopped this long after the signal.
const HARD_STOP: Duration = Duration::from_secs(20);

type Task = Box<dyn FnOnce(CancellationToken) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> + Send>;

/// A service being assembled, then run.
pub struct Service {
    name: &'static str,
    listener: TcpListener,
    metrics: Metrics,
    readiness: Readiness,
    router: Router,
    tasks: Vec<(&'static str, Task)>,
}

impl Service {
    /// A service called `name` that will serve on `listener`.
    pub fn new(name: &'static str, listener: TcpListener, metrics: Metrics) -> Self {
        Self { name, listener, metrics, readiness: Readiness::new(), router: Router::new(), tasks: Vec::new() }
    }

    /// The bound port (the real one when the settings said 0).
    pub fn port(&self) -> u16 {
        http::local_addr(&self.listener).port()
    }

    /// The service's readiness, to add checks to.
    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Serves `router` (the service's API routes) inside the shared shell.
    pub fn routes(mut self, router: Router) -> Self {
        self.router = self.router.merge(router);
        self
    }

    /// Uses `store`: readiness checks it, and its set-up runs in the background.
    pub fn store(self, store: &Store) -> Self {
        self.readiness.add_store(store);
        let store = store.clone();
        self.task("store setup", move |shutdown| async move {
            let describe = store.describe();
            retry_until_done("store", &describe, shutdown, || store.prepare()).await;
            Ok(())
        })
    }

    /// Uses `bus`: readiness checks it, and streams are created in the background.
    pub fn bus(self, bus: &Bus) -> Self {
        self.readiness.add_bus(bus);
        let bus = bus.clone();
        self.task("nats setup", move |shutdown| async move {
            // The client reconnects (and warns) on its own; streams are set up
            // once it is connected, and again after any failure.
            while !bus.is_connected() {
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
            let describe = bus.describe();
            retry_until_done("nats", &describe, shutdown, || bus.prepare()).await;
            Ok(())
        })
    }

    /// Relays `store`'s outbox to `bus`.
    pub fn relay(self, store: &Store, bus: &Bus) -> Self {
        let (store, bus, metrics) = (store.clone(), bus.clone(), self.metrics.clone());
        self.task("outbox relay", move |shutdown| relay::run(store, bus, metrics, shutdown))
    }

    /// Runs `listener` with `state`, pausing while the service is not ready.
    pub fn listener<S: Clone + Send + Sync + 'static>(self, listener: Listener<S>, bus: &Bus, state: S) -> Self {
        let (bus, readiness, metrics) = (bus.clone(), self.readiness.clone(), self.metrics.clone());
        self.task("listener", move |shutdown| listener.run(bus, state, readiness, metrics, shutdown))
    }

    /// Runs any background task until `shutdown`. A task that fails stops
    /// the service (and the orchestrator restarts it).
    pub fn task<F, Fut>(mut self, name: &'static str, task: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.tasks.push((name, Box::new(move |token| Box::pin(task(token)))));
        self
    }

    /// Serves until `shutdown` resolves, then stops in order.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let Self { name, listener, metrics, readiness, router, tasks } = self;
        let token = CancellationToken::new();
        let app = http::app(router, readiness.clone(), metrics);
        tracing::info!(service = name, address = %http::local_addr(&listener), "listening");

        let server_token = token.clone();
        let mut server = tokio::spawn(async move {
            let make_service = axum::ServiceExt::<Request>::into_make_service(app);
            axum::serve(listener, make_service).with_graceful_shutdown(server_token.cancelled_owned()).await
        });
        let mut background = JoinSet::new();
        for (task_name, task) in tasks {
            let child = token.child_token();
            background.spawn(async move { (task_name, task(child).await) });
        }
        let monitor = tokio::spawn(watch_readiness(readiness.clone(), token.clone()));

        let failure = tokio::select! {
            () = shutdown => None,
            result = &mut server => Some(anyhow::anyhow!("HTTP server stopped unexpectedly: {result:?}")),
            Some(failed) = first_failure(&mut background) => Some(failed),
        };
        match &failure {
            None => tracing::info!(service = name, "shutting down"),
            Some(error) => tracing::error!(service = name, error = format!("{error:#}"), "stopping after a failure"),
        }

        readiness.begin_shutdown();
        token.cancel();
        let stopped = tokio::time::timeout(HARD_STOP, async {
            if tokio::time::timeout(DRAIN, &mut server).await.is_err() {
                tracing::warn!("in-flight requests did not finish in time; closing them");
                server.abort();
            }
            while let Some(joined) = background.join_next().await {
                if let Ok((task_name, Err(error))) = joined {
                    tracing::warn!(task = task_name, error = format!("{error:#}"), "task ended with an error");
                }
            }
        })
        .await;
        monitor.abort();
        match (stopped, failure) {
            (Err(_), _) => Err(anyhow::anyhow!("shutdown overran {HARD_STOP:?}; stopping hard")),
            (Ok(()), Some(error)) => Err(error),
            (Ok(()), None) => {
                tracing::info!(service = name, "stopped");
                Ok(())
            }
        }
    }
}

/// Waits for the first background task that fails; tasks that finish fine
/// (set-up steps) are dropped from the set.
async fn first_failure(tasks: &mut JoinSet<(&'static str, anyhow::Result<()>)>) -> Option<anyhow::Error> {
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((task_name, Err(error))) => return Some(error.context(format!("{task_name} failed"))),
            Err(join) => return Some(anyhow::anyhow!("a background task panicked: {join}")),
        }
    }
    std::future::pending().await
}

/// Re-evaluates readiness every second so listeners can pause on it.
async fn watch_readiness(readiness: Readiness, shutdown: CancellationToken) {
    loop {
        readiness.evaluate().await;
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Retries `attempt` with backoff up to 5 s, one warning per failure naming
/// the dependency and its URL without credentials.
pub async fn retry_until_done<F, Fut, E>(dependency: &str, url: &str, shutdown: CancellationToken, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        // An attempt can block for its own timeout (a JetStream request while
        // NATS is down); shutdown must not wait for it.
        let outcome = tokio::select! {
            () = shutdown.cancelled() => return,
            outcome = attempt() => outcome,
        };
        match outcome {
            Ok(()) => {
                tracing::info!(dependency, url, "dependency ready");
                return;
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(dependency, url, attempt = failures, error = %error, "dependency not ready, retrying");
                let delay =
                    Duration::from_millis(100u64.saturating_mul(1 << failures.min(6))).min(Duration::from_secs(5));
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

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
pub async fn main<S, A, B, R>(name: &'static str, settings: S, build: B) -> ExitCode
where
    S: FnOnce(&Env) -> Result<A, ConfigError>,
    B: AsyncFnOnce(A) -> anyhow::Result<R>,
    R: Runnable,
{
    let env = Env::from_process();
    telemetry::init(name, &env);
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

/// Something [`main`] can run: the [`Service`] each service's `Application::build` gives, or the client's server.
pub trait Runnable {
    /// Serves until `shutdown` resolves, then stops in order.
    fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> impl Future<Output = anyhow::Result<()>>;
}

impl Runnable for Service {
    fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> impl Future<Output = anyhow::Result<()>> {
        Service::run_until_stopped(self, shutdown)
    }
}
