//! Typed settings from the environment, with the contract's names and messages.
//!
//! Each service builds its own `Settings` from an [`Env`] at start-up and
//! passes it into `Application::build`; nothing reads the environment later,
//! so tests build settings directly (port 0, a temp database, a private NATS).
//! An empty variable counts as unset, as the contract says.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf, time::Duration};

/// A start-up configuration error; its text is what the process prints
/// before exiting with status 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// A secret string whose `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A snapshot of environment variables to read settings from.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self { vars: std::env::vars().collect() }
    }

    /// A fixed set of variables, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }
    }

    /// The value of `name`, with empty treated as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|value| !value.is_empty())
    }

    /// A required variable: `<NAME> must be defined` when missing.
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.get(name).map(str::to_owned).ok_or_else(|| ConfigError(format!("{name} must be defined")))
    }

    /// A required secret.
    pub fn secret(&self, name: &str) -> Result<Secret, ConfigError> {
        self.required(name).map(Secret)
    }

    /// An optional string with a default.
    pub fn string_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// A positive integer with a default: `<NAME> must be a positive integer`.
    pub fn positive_int(&self, name: &str, default: u64) -> Result<u64, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|value| *value > 0)
                .ok_or_else(|| ConfigError(format!("{name} must be a positive integer"))),
        }
    }

    /// A boolean (`true`/`false`/`1`/`0`) with a default.
    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(|raw| raw.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(raw) if raw == "true" || raw == "1" => Ok(true),
            Some(raw) if raw == "false" || raw == "0" => Ok(false),
            Some(_) => Err(ConfigError(format!("{name} must be true or false"))),
        }
    }

    /// The listening address from `PORT` (default 3000) on 0.0.0.0.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        let port = self.positive_int("PORT", 3000)?;
        let port = u16::try_from(port).map_err(|_| ConfigError("PORT must be a positive integer".into()))?;
        Ok(SocketAddr::from(([0, 0, 0, 0], port)))
    }

    /// `DATABASE_URL`, defaulting to `sqlite:data/<service>.db`.
    pub fn database(&self, service: &str) -> Result<DatabaseUrl, ConfigError> {
        let default = format!("sqlite:data/{service}.db");
        DatabaseUrl::parse(self.get("DATABASE_URL").unwrap_or(&default), service)
    }

    /// `NATS_URL`, `NATS_ACK_WAIT_SECONDS` and `NATS_MAX_DELIVER`.
    pub fn nats(&self) -> Result<NatsSettings, ConfigError> {
        Ok(NatsSettings {
            url: self.string_or("NATS_URL", "nats://127.0.0.1:4222"),
            ack_wait: Duration::from_secs(self.positive_int("NATS_ACK_WAIT_SECONDS", 5)?),
            max_deliver: self.positive_int("NATS_MAX_DELIVER", 20)?.min(i64::MAX as u64) as i64,
            stream_max_bytes: self
                .positive_int("NATS_STREAM_MAX_BYTES", DEFAULT_STREAM_MAX_BYTES as u64)?
                .min(i64::MAX as u64) as i64,
        })
    }
}

/// What tickets, orders and payments read alike (contract 2.4), so each of
/// them names only its own settings.
#[derive(Debug, Clone)]
pub struct BaseSettings {
    /// Where to listen (`PORT`, default 3000).
    pub addr: SocketAddr,
    /// The store (`DATABASE_URL`, default `sqlite:data/<service>.db`).
    pub database: DatabaseUrl,
    /// NATS and consumer settings.
    pub nats: NatsSettings,
    /// Verifies session tokens (`JWT_KEY`, required).
    pub jwt_key: Secret,
}

impl BaseSettings {
    /// Reads them for `service`, `JWT_KEY` first.
    pub fn from_env(env: &Env, service: &str) -> Result<Self, ConfigError> {
        let jwt_key = env.secret("JWT_KEY")?;
        Ok(Self { addr: env.listen_addr()?, database: env.database(service)?, nats: env.nats()?, jwt_key })
    }
}

/// Which store a service uses, picked by `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An embedded SQLite file; created with its folder if missing.
    Sqlite(PathBuf),
    /// A MongoDB deployment and the database to use in it.
    Mongo {
        /// The connection string as given.
        url: String,
        /// The URL's path, else the service's name.
        database: String,
    },
}

impl DatabaseUrl {
    /// Parses `sqlite:<path>`, `sqlite://<path>`, `mongodb://…` or `mongodb+srv://…`.
    pub fn parse(raw: &str, service: &str) -> Result<Self, ConfigError> {
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(ConfigError("DATABASE_URL must name a SQLite file".into()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("mongodb://") || raw.starts_with("mongodb+srv://") {
            let after_scheme = raw.split_once("://").map_or("", |(_, rest)| rest);
            let database = after_scheme
                .split_once('/')
                .map(|(_, rest)| rest.split('?').next().unwrap_or_default())
                .filter(|name| !name.is_empty())
                .unwrap_or(service)
                .to_owned();
            return Ok(Self::Mongo { url: raw.to_owned(), database });
        }
        Err(ConfigError("DATABASE_URL must start with sqlite: or mongodb://".into()))
    }

    /// The URL with any credentials removed, fit for a log line.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Mongo { url, .. } => redact_url(url),
        }
    }
}

/// NATS connection and consumer settings.
#[derive(Debug, Clone)]
pub struct NatsSettings {
    /// Server URL.
    pub url: String,
    /// How long the server waits for an ack before redelivering.
    pub ack_wait: Duration,
    /// Deliveries before a message is dead-lettered.
    pub max_deliver: i64,
    /// The `TICKETING` stream's byte limit when this service creates it;
    /// when full, new events are refused and stay in the outbox.
    pub stream_max_bytes: i64,
}

/// `NATS_STREAM_MAX_BYTES`'s default: 1 GiB, half the NATS volume, so the
/// stream fills (and refuses) before the disk does.
pub const DEFAULT_STREAM_MAX_BYTES: i64 = 1 << 30;

impl NatsSettings {
    /// Settings for `url` with the contract's defaults (5 s, 20 deliveries, 1 GiB).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ack_wait: Duration::from_secs(5),
            max_deliver: 20,
            stream_max_bytes: DEFAULT_STREAM_MAX_BYTES,
        }
    }
}

/// Removes `user:password@` from a URL, for logs.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
