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

mod process;

use std::{future::Future, net::SocketAddr, pin::Pin, time::Duration};

use axum::{Router, extract::Request};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::{
    backoff::{pause, retry_until_done},
    bus::Bus,
    config::BaseSettings,
    http,
    listener::Listener,
    metrics::Metrics,
    readiness::Readiness,
    relay,
    store::{CollectionSpec, Store},
};

pub use self::process::{main, shutdown_signal};

/// In-flight requests get this long after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);
/// Everything must have stopped this long after the signal.
const HARD_STOP: Duration = Duration::from_secs(20);

type Task = Box<dyn FnOnce(CancellationToken) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> + Send>;

/// A service being assembled, then run. It remembers the store and the bus
/// it is given, for the relay and the listeners added after them.
pub struct Service {
    name: &'static str,
    listener: TcpListener,
    metrics: Metrics,
    readiness: Readiness,
    router: Router,
    store: Option<Store>,
    bus: Option<Bus>,
    tasks: Vec<(&'static str, Task)>,
}

impl Service {
    /// A service called `name` that will serve on `listener`.
    pub fn new(name: &'static str, listener: TcpListener, metrics: Metrics) -> Self {
        let (readiness, router) = (Readiness::new(), Router::new());
        Self { name, listener, metrics, readiness, router, store: None, bus: None, tasks: Vec::new() }
    }

    /// Binds `addr` (a failure is the contract's start-up message) for a
    /// service called `name`, with its own metrics.
    pub async fn bind(name: &'static str, addr: SocketAddr) -> anyhow::Result<Self> {
        Ok(Self::new(name, http::bind(addr).await?, Metrics::new()))
    }

    /// Where every service that emits events starts: binds, opens the store
    /// with `collections`, connects to NATS (all as `base` says) and relays
    /// the outbox. The store is handed back for the handlers' state.
    pub async fn with_outbox(
        name: &'static str,
        base: &BaseSettings,
        collections: &[CollectionSpec],
    ) -> anyhow::Result<(Self, Store)> {
        let service = Self::bind(name, base.addr).await?;
        let store = Store::open(&base.database, collections).await?;
        let bus = Bus::connect(&base.nats, name, service.metrics.clone()).await?;
        Ok((service.store(&store).bus(&bus).relay(), store))
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

    /// The bus given with [`Service::bus`], for tasks that subscribe to it.
    pub fn nats(&self) -> Option<&Bus> {
        self.bus.as_ref()
    }

    /// Serves `router` (the service's API routes) inside the shared shell.
    pub fn routes(mut self, router: Router) -> Self {
        self.router = self.router.merge(router);
        self
    }

    /// Uses `store`: readiness checks it, and its set-up runs in the background.
    pub fn store(mut self, store: &Store) -> Self {
        self.readiness.add_store(store);
        self.store = Some(store.clone());
        let store = store.clone();
        self.task("store setup", move |shutdown| async move {
            let describe = store.describe();
            retry_until_done("store", &describe, shutdown, || store.prepare()).await;
            Ok(())
        })
    }

    /// Uses `bus`: readiness checks it, and streams are created in the background.
    pub fn bus(mut self, bus: &Bus) -> Self {
        self.readiness.add_bus(bus);
        self.bus = Some(bus.clone());
        let bus = bus.clone();
        self.task("nats setup", move |shutdown| async move {
            // The client reconnects (and warns) on its own; streams are set up
            // once it is connected, and again after any failure.
            while !bus.is_connected() {
                if pause(Duration::from_millis(100), &shutdown).await {
                    return Ok(());
                }
            }
            let describe = bus.describe();
            retry_until_done("nats", &describe, shutdown, || bus.prepare()).await;
            Ok(())
        })
    }

    /// Relays the store's outbox to the bus; both must have been given.
    pub fn relay(self) -> Self {
        let store = self.store.clone().expect("Service::store comes before Service::relay");
        let bus = self.bus.clone().expect("Service::bus comes before Service::relay");
        let metrics = self.metrics.clone();
        self.task("outbox relay", move |shutdown| relay::run(store, bus, metrics, shutdown))
    }

    /// Runs `listener` on the bus with `state`, pausing while the service is not ready.
    pub fn listener<S: Clone + Send + Sync + 'static>(self, listener: Listener<S>, state: S) -> Self {
        let bus = self.bus.clone().expect("Service::bus comes before Service::listener");
        let (readiness, metrics) = (self.readiness.clone(), self.metrics.clone());
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
        let Self { name, listener, metrics, readiness, router, tasks, .. } = self;
        let token = CancellationToken::new();
        let app = http::app(router, readiness.clone(), metrics);
        tracing::info!(service = name, address = %http::local_addr(&listener), "listening");

        let server_token = token.clone();
        let mut server = tokio::spawn(async move {
            // The peer address rides along for the routes that count callers (auth's rate limit).
            let make_service =
                axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(app);
            axum::serve(listener, make_service).with_graceful_shutdown(server_token.cancelled_owned()).await
        });
        let mut background = JoinSet::new();
        for (task_name, task) in tasks {
            let child = token.child_token();
            let span = tracing::info_span!("task", task = task_name);
            background.spawn(async move { (task_name, task(child).await) }.instrument(span));
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

/// Re-evaluates readiness every half second so listeners can pause on it.
async fn watch_readiness(readiness: Readiness, shutdown: CancellationToken) {
    loop {
        readiness.evaluate().await;
        if pause(Duration::from_millis(500), &shutdown).await {
            return;
        }
    }
}
