//! Assembly: the state handlers share, and the running service.

use std::future::Future;

use axum::extract::FromRef;
use common::{
    http::metrics::Metrics,
    runtime::{Runnable, Service},
    session::Sessions,
    store::{CollectionSpec, Document as _, Store},
};

use crate::{config::Settings, password::Passwords, routes, user::User};

/// Every collection auth keeps.
pub const COLLECTIONS: [CollectionSpec; 1] = [User::COLLECTION];

/// What every handler gets. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Users.
    pub store: Store,
    /// Issues, reads and clears session cookies.
    pub sessions: Sessions,
    /// Hashes and verifies passwords off the async threads.
    pub passwords: Passwords,
}

impl FromRef<AppState> for Sessions {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}

/// The auth service, bound and ready to run.
pub struct Application {
    service: Service,
}

impl Application {
    /// Binds the port and wires the store and the routes; the store is set
    /// up in the background, and `/readyz` says when it is.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = common::http::bind(settings.addr).await?;
        let metrics = Metrics::new();
        let verifications = metrics.counter(
            "auth_password_verifications",
            "Password checks at signin, including those against the dummy hash for unknown emails",
        );
        let store = Store::open(&settings.database, &COLLECTIONS).await?;
        let state = AppState {
            store: store.clone(),
            sessions: Sessions::new(settings.jwt_key.expose(), settings.jwt_ttl_seconds, settings.cookie_secure),
            passwords: Passwords::new(verifications).await?,
        };
        let service = Service::new("auth", listener, metrics).store(&store).routes(routes::router(state));
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
