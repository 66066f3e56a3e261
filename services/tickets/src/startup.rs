//! Assembly: the store, NATS, the state, the listener and the routes, as a
//! running service.

use std::sync::Arc;

use common::{
    bus::Bus,
    metrics::Metrics,
    runtime::Service,
    session::Sessions,
    store::{CollectionSpec, Document as _, Store},
};
use tokio::sync::Semaphore;

use crate::{
    config::Settings,
    listeners, routes,
    state::AppState,
    ticket::{Ticket, Tombstone},
};

/// Every collection tickets keeps.
pub const COLLECTIONS: [CollectionSpec; 2] = [Ticket::COLLECTION, Tombstone::COLLECTION];

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
        Ok(Service::new("tickets", listener, metrics)
            .store(&store)
            .bus(&bus)
            .relay()
            .listener(listeners::listener(), state.clone())
            .routes(routes::router(state)))
    }
}
