//! Assembly: the store, NATS, the state, the listener and the routes, as a
//! running service.

use std::sync::Arc;

use common::{
    live::Live,
    runtime::Service,
    session::Sessions,
    store::{CollectionSpec, Document as _},
};
use tokio::sync::Semaphore;

use crate::{
    config::Settings,
    listeners, live, routes,
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
        let (service, store) = Service::with_outbox("tickets", &settings.base, &COLLECTIONS).await?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let hub = Live::new("ticket", service.metrics());
        let bus = service.nats().cloned().expect("with_outbox connects the bus");
        let state = AppState {
            store,
            sessions: Sessions::verifier(settings.base.jwt_key.expose()),
            list_permits: Arc::new(Semaphore::new(cores * routes::list_tickets::LISTS_PER_CORE)),
            live: hub.clone(),
        };
        Ok(service
            .listener(listeners::listener(), state.clone())
            .listener(listeners::payments_listener(), state.clone())
            .task("live updates", move |shutdown| hub.follow(bus, live::SUBJECTS, live::translate, shutdown))
            .routes(routes::router(state)))
    }
}
