//! What the launcher runs, where, and on which ports.
//!
//! Everything comes from the environment (the contract's names) plus two
//! flags, so `scripts/dev.sh` and the end-to-end test use the same code path
//! with different values.

use std::path::PathBuf;

use common::config::{ConfigError, Env};

/// One process the stack runs, and the variable that names its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Binary name and log prefix.
    pub name: &'static str,
    /// The variable that overrides its port.
    pub port_variable: &'static str,
    /// The contract's default port.
    pub default_port: u16,
}

/// The services, in start order (the client last: it calls the others).
pub const SERVICES: [Component; 5] = [
    Component { name: "auth", port_variable: "AUTH_PORT", default_port: 3001 },
    Component { name: "tickets", port_variable: "TICKETS_PORT", default_port: 3002 },
    Component { name: "orders", port_variable: "ORDERS_PORT", default_port: 3003 },
    Component { name: "payments", port_variable: "PAYMENTS_PORT", default_port: 3004 },
    Component { name: "expiration", port_variable: "EXPIRATION_PORT", default_port: 3005 },
];
/// The Leptos client, started when it has been built.
pub const CLIENT: Component = Component { name: "client", port_variable: "CLIENT_PORT", default_port: 3006 };
/// The fake Stripe, started when `STRIPE_KEY` is unset.
pub const FAKE_STRIPE: Component =
    Component { name: "fake-stripe", port_variable: "FAKE_STRIPE_PORT", default_port: 3007 };
/// The gateway serving the one origin.
pub const GATEWAY: Component = Component { name: "gateway", port_variable: "PORT", default_port: 3000 };

/// Variables handed through to the services unchanged when set.
const PASSTHROUGH: [&str; 7] = [
    "EXPIRATION_WINDOW_SECONDS",
    "JWT_TTL_SECONDS",
    "RUST_LOG",
    "STRIPE_PUBLISHABLE_KEY",
    "COOKIE_SECURE",
    "NATS_ACK_WAIT_SECONDS",
    "NATS_MAX_DELIVER",
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
    /// `LOG_FORMAT` for the children (`pretty` unless set).
    pub log_format: String,
    /// Variables passed through to every child.
    pub passthrough: Vec<(String, String)>,
}

impl Options {
    /// Reads the options from `env`; `bin_dir` defaults to the launcher's own folder.
    pub fn from_env(env: &Env, bin_dir: Option<PathBuf>, data_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        let mut ports = Vec::new();
        for component in SERVICES.iter().chain([&CLIENT, &FAKE_STRIPE, &GATEWAY]) {
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
            log_format: env.string_or("LOG_FORMAT", "pretty"),
            passthrough,
        })
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
    fn settings_pass_through() {
        let env = Env::from_pairs([("EXPIRATION_WINDOW_SECONDS", "3"), ("DATABASE_URL", "mongodb://x")]);
        let options = Options::from_env(&env, Some("/bin".into()), None).unwrap();
        assert_eq!(options.passthrough, vec![("EXPIRATION_WINDOW_SECONDS".to_owned(), "3".to_owned())]);
    }
}
