//! Assembly: the store, NATS, the state, the listener and the routes, as a
//! running service.

use common::{
    live::Live,
    runtime::Service,
    session::Sessions,
    store::{CollectionSpec, Document as _},
};

use crate::{
    config::Settings, listeners, live, order::Order, refund::Refund, routes, state::AppState, sweeper, ticket::Ticket,
};

/// Every collection orders keeps.
pub const COLLECTIONS: [CollectionSpec; 3] = [Order::COLLECTION, Ticket::COLLECTION, Refund::COLLECTION];

/// The orders service: [`Application::build`] gives it bound and ready to run, as a
/// [`Service`] (its `port()`, then `run_until_stopped(shutdown)`).
pub struct Application;

impl Application {
    /// Binds the port and wires the store, NATS, the listener, the outbox
    /// relay and the routes; dependencies connect in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Service> {
        let (service, store) = Service::with_outbox("orders", &settings.base, &COLLECTIONS).await?;
        let hub = Live::new("order", service.metrics());
        let bus = service.nats().cloned().expect("with_outbox connects the bus");
        let feed = store.clone();
        let state = AppState {
            store,
            sessions: Sessions::verifier(settings.base.jwt_key.expose()),
            expiration_window: settings.expiration_window,
            live: hub.clone(),
        };
        let swept = service.metrics().counter(
            "orders_expired_by_sweeper",
            "Open orders cancelled by the sweeper, their expiration job or event having been lost",
        );
        let sweeping = state.clone();
        let translate = move |subject, payload| live::translate(feed.clone(), subject, payload);
        Ok(service
            .listener(listeners::listener(), state.clone())
            .task("expiry sweeper", move |shutdown| {
                sweeper::run(sweeping, settings.sweep, swept, async move { shutdown.cancelled().await })
            })
            .task("live updates", move |shutdown| hub.follow(bus, live::SUBJECTS, translate, shutdown))
            .routes(routes::router(state)))
    }
}
