//! Assembly: the store, the state and the routes, as a running service.

use common::{
    runtime::Service,
    session::Sessions,
    store::{CollectionSpec, Document as _, Store},
};

use crate::{
    client_addr::TrustedHops,
    config::{QUEUE_PER_SLOT, Settings},
    hash_slots::HashSlots,
    limits::RateLimits,
    password::Passwords,
    routes,
    state::AppState,
    user::User,
};

/// Every collection auth keeps.
pub const COLLECTIONS: [CollectionSpec; 1] = [User::COLLECTION];

/// The auth service: [`Application::build`] gives it bound and ready to run, as a
/// [`Service`] (its `port()`, then `run_until_stopped(shutdown)`).
pub struct Application;

impl Application {
    /// Binds the port and wires the store and the routes; the store is set
    /// up in the background, and `/readyz` says when it is.
    pub async fn build(settings: Settings) -> anyhow::Result<Service> {
        let service = Service::bind("auth", settings.addr).await?;
        let verifications = service.metrics().counter(
            "auth_password_verifications",
            "Password checks at signin, including those against the dummy hash for unknown emails",
        );
        let unavailable = service.metrics().counter(
            "auth_rate_limit_unavailable",
            "Signups and signins let through unlimited because the rate-limit store was unreachable",
        );
        let concurrency = settings.password_hash_concurrency;
        let slots = HashSlots::new(concurrency, concurrency.saturating_mul(QUEUE_PER_SLOT));
        let store = Store::open(&settings.database, &COLLECTIONS).await?;
        let state = AppState {
            store: store.clone(),
            sessions: Sessions::new(settings.jwt_key.expose(), settings.jwt_ttl_seconds, settings.cookie_secure),
            passwords: Passwords::new(verifications, slots).await?,
            limits: RateLimits::new(settings.limits, unavailable)?,
            trusted_hops: TrustedHops(settings.trusted_proxy_hops),
        };
        Ok(service.store(&store).routes(routes::router(state)))
    }
}
