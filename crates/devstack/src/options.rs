//! What the launcher runs, where, and on which ports.
//!
//! Everything comes from the environment (the contract's names) plus two
//! flags, so `scripts/dev.sh` and the end-to-end test use the same code path
//! with different values.

use std::path::PathBuf;

use common::config::{ConfigError, Env, Secret};

/// One process the stack runs, and the variable that names its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Binary name and log prefix.
    pub name: &'static str,
    /// The variable that overrides its port.
    pub port_variable: &'static str,
    /// The contract's default port.
    pub default_port: u16,
    /// The path prefix the gateway sends to it, if any.
    pub route: Option<&'static str>,
}

/// The services, in start order (the client last: it calls the others).
pub const SERVICES: [Component; 5] = [
    Component { name: "auth", port_variable: "AUTH_PORT", default_port: 3001, route: Some("/api/users") },
    Component { name: "tickets", port_variable: "TICKETS_PORT", default_port: 3002, route: Some("/api/tickets") },
    Component { name: "orders", port_variable: "ORDERS_PORT", default_port: 3003, route: Some("/api/orders") },
    Component { name: "payments", port_variable: "PAYMENTS_PORT", default_port: 3004, route: Some("/api/payments") },
    Component { name: "expiration", port_variable: "EXPIRATION_PORT", default_port: 3005, route: None },
];
/// The Leptos client, started when it has been built; the gateway's fallback.
pub const CLIENT: Component =
    Component { name: "client", port_variable: "CLIENT_PORT", default_port: 3006, route: None };
/// The fake Stripe, started when `STRIPE_KEY` is unset.
pub const FAKE_STRIPE: Component =
    Component { name: "fake-stripe", port_variable: "FAKE_STRIPE_PORT", default_port: 3007, route: None };
/// The gateway serving the one origin.
pub const GATEWAY: Component = Component { name: "gateway", port_variable: "PORT", default_port: 3000, route: None };

/// Every component the launcher may run: the one table of names and ports
/// (tests and the bench give each port variable a free port from it).
pub fn components() -> impl Iterator<Item = &'static Component> {
    SERVICES.iter().chain([&CLIENT, &FAKE_STRIPE, &GATEWAY])
}

/// Variables handed through to the services unchanged when set.
const PASSTHROUGH: [&str; 15] = [
    "EXPIRATION_WINDOW_SECONDS",
    "EXPIRY_SWEEP_SECONDS",
    "EXPIRY_GRACE_SECONDS",
    "JWT_TTL_SECONDS",
    "RUST_LOG",
    "STRIPE_PUBLISHABLE_KEY",
    "COOKIE_SECURE",
    "NATS_ACK_WAIT_SECONDS",
    "NATS_MAX_DELIVER",
    "NATS_STREAM_MAX_BYTES",
    "PASSWORD_HASH_CONCURRENCY",
    "AUTH_RATE_PER_MINUTE",
    "TRUSTED_PROXY_HOPS",
    // Traces (contract 8): where to export, and how often the batch goes.
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_BSP_SCHEDULE_DELAY",
];

/// Everything the launcher needs to know.
#[derive(Debug, Clone)]
pub struct Options {
    /// `data/` (or `DATA_DIR`): SQLite files, NATS and Redis data, the JWT key.
    pub data_dir: PathBuf,
    /// Where the built binaries are (`target/debug` or `target/release`).
    pub bin_dir: PathBuf,
    /// The client's static site (`pkg/` with the wasm and JS), if built.
    pub site_dir: Option<PathBuf>,
    /// The port of each component, by name.
    pub ports: Vec<(Component, u16)>,
    /// `NATS_URL`.
    pub nats_url: String,
    /// `REDIS_URL`.
    pub redis_url: String,
    /// `STRIPE_KEY` and `STRIPE_API_BASE`, when a real Stripe is to be used.
    pub stripe: Option<(String, Option<String>)>,
    /// `DATABASE_URL`: a MongoDB base on which each service gets its own
    /// database; unset, each service keeps a SQLite file in `data_dir`.
    pub mongo_base: Option<String>,
    /// `JWT_KEY` when set: every service signs and checks sessions with it
    /// instead of the key kept in `data/jwt-key` (so a stack can share
    /// sessions with another deployment, or a test can mint cookies).
    pub jwt_key: Option<Secret>,
    /// `LOG_FORMAT` for the children (`pretty` unless set).
    pub log_format: String,
    /// Variables passed through to every child.
    pub passthrough: Vec<(String, String)>,
}

impl Options {
    /// Reads the options from `env`; `bin_dir` defaults to the launcher's own folder.
    pub fn from_env(env: &Env, bin_dir: Option<PathBuf>, data_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        let mut ports = Vec::new();
        for component in components() {
            let port = env.positive_int(component.port_variable, u64::from(component.default_port))?;
            let port = u16::try_from(port)
                .map_err(|_| ConfigError(format!("{} must be a positive integer", component.port_variable)))?;
            ports.push((*component, port));
        }
        let bin_dir = match bin_dir {
            Some(dir) => dir,
            None => std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(PathBuf::from))
                .ok_or_else(|| ConfigError("cannot find the launcher's folder; pass --bin-dir".into()))?,
        };
        let data_dir = data_dir.unwrap_or_else(|| PathBuf::from(env.string_or("DATA_DIR", "data")));
        let stripe = env.get("STRIPE_KEY").map(|key| (key.to_owned(), env.get("STRIPE_API_BASE").map(str::to_owned)));
        let site_dir = env.get("SITE_DIR").map(PathBuf::from);
        let mongo_base = match env.get("DATABASE_URL").filter(|url| !url.is_empty()) {
            None => None,
            Some(url) if url.starts_with("mongodb://") || url.starts_with("mongodb+srv://") => Some(url.to_owned()),
            Some(_) => {
                return Err(ConfigError(
                    "DATABASE_URL for the dev stack must be a mongodb:// base (SQLite files go in DATA_DIR)".into(),
                ));
            }
        };
        let passthrough = PASSTHROUGH
            .iter()
            .filter_map(|name| env.get(name).map(|value| ((*name).to_owned(), value.to_owned())))
            .collect();
        Ok(Self {
            data_dir,
            bin_dir,
            site_dir,
            ports,
            nats_url: env.string_or("NATS_URL", "nats://127.0.0.1:4222"),
            redis_url: env.string_or("REDIS_URL", "redis://127.0.0.1:6379"),
            stripe,
            mongo_base,
            jwt_key: env.get("JWT_KEY").map(Secret::new),
            log_format: env.string_or("LOG_FORMAT", "pretty"),
            passthrough,
        })
    }

    /// `service`'s `DATABASE_URL`: its own database on the MongoDB base
    /// (named after it, prefixed by the base's database if it names one), or
    /// its SQLite file in `data_dir`.
    pub fn database_url(&self, service: &str, data_dir: &std::path::Path) -> String {
        let Some(base) = &self.mongo_base else {
            return format!("sqlite:{}", data_dir.join(format!("{service}.db")).display());
        };
        let (scheme, rest) = base.split_once("://").unwrap_or(("mongodb", base));
        let (address, query) = rest.split_once('?').map_or((rest, None), |(a, q)| (a, Some(q)));
        let (host, prefix) = address.split_once('/').unwrap_or((address, ""));
        let prefix = prefix.trim_end_matches('/');
        let database = if prefix.is_empty() { service.to_owned() } else { format!("{prefix}_{service}") };
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        format!("{scheme}://{host}/{database}{query}")
    }

    /// The port of `component`.
    pub fn port(&self, component: &Component) -> u16 {
        self.ports.iter().find(|(c, _)| c.name == component.name).map_or(component.default_port, |(_, port)| *port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_default_to_the_contract_table_and_can_be_overridden() {
        let env = Env::from_pairs([("ORDERS_PORT", "4003"), ("PORT", "8080")]);
        let options = Options::from_env(&env, Some("/bin".into()), None).unwrap();
        assert_eq!(options.port(&SERVICES[0]), 3001);
        assert_eq!(options.port(&SERVICES[2]), 4003);
        assert_eq!(options.port(&GATEWAY), 8080);
        assert_eq!(options.port(&FAKE_STRIPE), 3007);
        assert_eq!(options.data_dir, PathBuf::from("data"));
        assert!(options.stripe.is_none());
    }

    #[test]
    fn a_bad_port_names_its_variable() {
        let env = Env::from_pairs([("TICKETS_PORT", "abc")]);
        let error = Options::from_env(&env, Some("/bin".into()), None).unwrap_err();
        assert_eq!(error.to_string(), "TICKETS_PORT must be a positive integer");
    }

    #[test]
    fn each_service_gets_its_own_database() {
        let options = |url: &str| Options::from_env(&Env::from_pairs([("DATABASE_URL", url)]), Some("/b".into()), None);
        let data = std::path::Path::new("/data");
        assert_eq!(options("").unwrap().database_url("orders", data), "sqlite:/data/orders.db");
        let bare = options("mongodb://127.0.0.1:27017").unwrap();
        assert_eq!(bare.database_url("orders", data), "mongodb://127.0.0.1:27017/orders");
        let named = options("mongodb://u:p@h:1/run7/?replicaSet=rs0").unwrap();
        assert_eq!(named.database_url("auth", data), "mongodb://u:p@h:1/run7_auth?replicaSet=rs0");
        let error = options("sqlite:/tmp/x.db").unwrap_err().to_string();
        assert!(error.contains("mongodb:// base"), "{error}");
    }

    #[test]
    fn a_jwt_key_from_the_environment_is_used_and_never_shown() {
        let options = |pairs| Options::from_env(&Env::from_pairs(pairs), Some("/bin".into()), None).unwrap();
        assert!(options(vec![]).jwt_key.is_none());
        let with_key = options(vec![("JWT_KEY", "from-the-environment")]);
        assert_eq!(with_key.jwt_key.as_ref().map(Secret::expose), Some("from-the-environment"));
        assert!(!format!("{with_key:?}").contains("from-the-environment"));
    }

    #[test]
    fn settings_pass_through() {
        let env = Env::from_pairs([("EXPIRATION_WINDOW_SECONDS", "3"), ("DATABASE_URL", "mongodb://x")]);
        let options = Options::from_env(&env, Some("/bin".into()), None).unwrap();
        assert_eq!(options.passthrough, vec![("EXPIRATION_WINDOW_SECONDS".to_owned(), "3".to_owned())]);
    }
}
