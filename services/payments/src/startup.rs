//! Assembly: the state handlers share, and the running service.

use std::future::Future;

use axum::extract::FromRef;
use common::{
    bus::Bus,
    http::metrics::Metrics,
    runtime::{Runnable, Service},
    session::Sessions,
    store::{CollectionSpec, Document as _, Store},
};

use crate::{
    config::Settings, declines::Declines, gateway::StripeGateway, listeners, order::Order, payment::Payment, routes,
};

/// Every collection payments keeps.
pub const COLLECTIONS: [CollectionSpec; 3] = [Order::COLLECTION, Payment::COLLECTION, Declines::COLLECTION];

/// What every handler and listener gets. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The order replica, payments, decline counts and the outbox.
    pub store: Store,
    /// Reads the caller's session.
    pub sessions: Sessions,
    /// Charges cards.
    pub stripe: StripeGateway,
}

impl FromRef<AppState> for Sessions {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}

/// The payments service, bound and ready to run.
pub struct Application {
    service: Service,
}

impl Application {
    /// Binds the port and wires the store, NATS, the listener, the outbox
    /// relay, Stripe and the routes; dependencies connect in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = common::http::bind(settings.addr).await?;
        let metrics = Metrics::new();
        let store = Store::open(&settings.database, &COLLECTIONS).await?;
        let bus = Bus::connect(&settings.nats, "payments", metrics.clone()).await?;
        let state = AppState {
            store: store.clone(),
            sessions: Sessions::verifier(settings.jwt_key.expose()),
            stripe: StripeGateway::new(&settings.stripe)?,
        };
        let service = Service::new("payments", listener, metrics)
            .store(&store)
            .bus(&bus)
            .relay(&store, &bus)
            .listener(listeners::listener(), &bus, state.clone())
            .routes(routes::router(state));
        Ok(Self { service })
    }

    /// The bound port (the real one when the settings said 0).
    pub fn port(&self) -> u16 {
        self.service.port()
    }

    /// Serves until `shutdown` resolves, then stops in order.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        self.service.run_until_stopped(shutdown).await
    }
}

impl Runnable for Application {
    fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> impl Future<Output = anyhow::Result<()>> {
        Application::run_until_stopped(self, shutdown)
    }
}
