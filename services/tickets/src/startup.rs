//! Assembly: the state handlers share, and the running service.

use std::sync::Arc;

use axum::extract::FromRef;
use common::{
    bus::Bus,
    http::metrics::Metrics,
    runtime::Service,
    session::Sessions,
    store::{CollectionSpec, Document as _, Store},
};
use tokio::sync::Semaphore;

use crate::{
    config::Settings,
    listeners, routes,
    ticket::{Ticket, Tombstone},
};

/// Every collection tickets keeps.
pub const COLLECTIONS: [CollectionSpec; 2] = [Ticket::COLLECTION, Tombstone::COLLECTION];

/// What every handler and listener gets. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Tickets, tombstones and the outbox.
    pub store: Store,
    /// Reads the caller's session.
    pub sessions: Sessions,
    /// Lets a few `GET /api/tickets` build their answer at once. The list is
    /// unpaginated (contract 3.2), so each answer holds the whole catalogue in
    /// memory; the work is CPU-bound, so more at once than there are cores
    /// only multiplies memory (the bench saw 3.6 GiB with 32 connections and
    /// 200k tickets), while the others wait their turn.
    pub list_permits: Arc<Semaphore>,
}

impl FromRef<AppState> for Sessions {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}

/// The tickets service: [`Application::build`] gives it bound and ready to run, as a
/// [`Service`] (its `port()`, then `run_until_stopped(shutdown)`).
pub struct Application;

impl Application {
    /// Binds the port and wires the store, NATS, the listener, the outbox
    /// relay and the routes; dependencies connect in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Service> {
        let listener = common::http::bind(settings.addr).await?;
        let metrics = Metrics::new();
        let store = Store::open(&settings.database, &COLLECTIONS).await?;
        let bus = Bus::connect(&settings.nats, "tickets", metrics.clone()).await?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let state = AppState {
            store: store.clone(),
            sessions: Sessions::verifier(settings.jwt_key.expose()),
            list_permits: Arc::new(Semaphore::new(cores)),
        };
        let service = Service::new("tickets", listener, metrics)
            .store(&store)
            .bus(&bus)
            .relay(&store, &bus)
            .listener(listeners::listener(), &bus, state.clone())
            .routes(routes::router(state));
        Ok(service)
    }
}
