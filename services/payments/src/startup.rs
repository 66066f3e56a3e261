//! Assembly: the store, NATS, Stripe, the state, the listener and the
//! routes, as a running service.

use common::{
    runtime::Service,
    session::Sessions,
    store::{CollectionSpec, Document as _},
};

use crate::{
    attempt::Attempt, config::Settings, gateway::StripeGateway, listeners, order::Order, payment::Payment, reconciler,
    refunds::Refund, routes, state::AppState,
};

/// Every collection payments keeps.
pub const COLLECTIONS: [CollectionSpec; 4] =
    [Order::COLLECTION, Payment::COLLECTION, Attempt::COLLECTION, Refund::COLLECTION];

/// The payments service: [`Application::build`] gives it bound and ready to run, as a
/// [`Service`] (its `port()`, then `run_until_stopped(shutdown)`).
pub struct Application;

impl Application {
    /// Binds the port and wires the store, NATS, the listener, the outbox
    /// relay, Stripe and the routes; dependencies connect in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Service> {
        let (service, store) = Service::with_outbox("payments", &settings.base, &COLLECTIONS).await?;
        let state = AppState {
            store,
            sessions: Sessions::verifier(settings.base.jwt_key.expose()),
            stripe: StripeGateway::new(&settings.stripe)?,
        };
        let reconciling = state.clone();
        let oldest = service
            .metrics()
            .gauge_f64("payments_unsettled_oldest_seconds", "Age of the oldest payment attempt not yet settled");
        Ok(service
            .listener(listeners::listener(), state.clone())
            .task("reconciler", move |shutdown| {
                reconciler::run(reconciling, oldest, async move { shutdown.cancelled().await })
            })
            .routes(routes::router(state)))
    }
}
