//! Readiness: named dependency checks behind `/readyz`, and a cached verdict
//! that listeners consult before fetching.

use std::{
    collections::BTreeMap,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use crate::{bus::Bus, store::Store};

/// Each check must answer within this long.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

type CheckFn = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// The service's readiness. Cheap to clone.
#[derive(Clone, Default)]
pub struct Readiness {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    checks: std::sync::RwLock<Vec<(&'static str, CheckFn)>>,
    /// The last evaluation's verdict.
    ready: AtomicBool,
    shutting_down: AtomicBool,
}

impl Readiness {
    /// A readiness with no checks; ready once evaluated.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a named check; `Err(text)` is shown as the check's value.
    pub fn add_check<F, Fut>(&self, name: &'static str, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: CheckFn = Arc::new(move || Box::pin(check()));
        self.inner.checks.write().unwrap_or_else(std::sync::PoisonError::into_inner).push((name, check));
    }

    /// The standard store check: set up, and answering.
    pub fn add_store(&self, store: &Store) {
        let store = store.clone();
        self.add_check("store", move || {
            let store = store.clone();
            async move {
                if !store.is_prepared() {
                    return Err("unavailable".to_owned());
                }
                store.ping().await.map_err(|_| "unreachable".to_owned())
            }
        });
    }

    /// The standard NATS check: connected, with its streams.
    pub fn add_bus(&self, bus: &Bus) {
        let bus = bus.clone();
        self.add_check("nats", move || {
            let bus = bus.clone();
            async move {
                match (bus.is_connected(), bus.is_ready()) {
                    (false, _) => Err("unreachable".to_owned()),
                    (true, false) => Err("unavailable".to_owned()),
                    (true, true) => Ok(()),
                }
            }
        });
    }

    /// Runs every check (each bounded by 1 s), caches and returns the verdict.
    pub async fn evaluate(&self) -> (bool, BTreeMap<&'static str, String>) {
        let checks = self.inner.checks.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let results = futures::future::join_all(checks.iter().map(|(name, check)| async move {
            let verdict = match tokio::time::timeout(CHECK_TIMEOUT, check()).await {
                Ok(Ok(())) => "ok".to_owned(),
                Ok(Err(problem)) => problem,
                Err(_) => "timeout".to_owned(),
            };
            (*name, verdict)
        }))
        .await;
        let all_ok = results.iter().all(|(_, verdict)| verdict == "ok");
        let ready = all_ok && !self.is_shutting_down();
        self.inner.ready.store(ready, Ordering::Release);
        (ready, results.into_iter().collect())
    }

    /// The cached verdict of the last evaluation (false during shutdown).
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Acquire) && !self.is_shutting_down()
    }

    /// From now on `/readyz` answers 503.
    pub fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Release);
        self.inner.ready.store(false, Ordering::Release);
    }

    fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Acquire)
    }
}

/// `GET /readyz`.
pub(crate) async fn serve(State(readiness): State<Readiness>) -> impl IntoResponse {
    let (ready, checks) = readiness.evaluate().await;
    let (status, word) = if ready { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") };
    (status, Json(json!({ "status": word, "checks": checks })))
}

/// `GET /healthz`: the process is alive; no dependency is consulted.
pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}
