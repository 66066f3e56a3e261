//! The client's settings (contract 2.4): `PORT`, `API_BASE_URL`, `API_ROUTES`,
//! `STRIPE_PUBLISHABLE_KEY`, `COOKIE_SECURE` (auth's setting: whether the site
//! is on HTTPS, so pages send HSTS), and `SITE_DIR`, where the built site is.

use std::{net::SocketAddr, path::PathBuf};

use common::config::{ConfigError, Env};

/// Everything the client reads at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORT` on 0.0.0.0.
    pub addr: SocketAddr,
    /// `API_BASE_URL`: the one origin's API, called while rendering.
    pub api_base_url: String,
    /// `API_ROUTES`: `/prefix=http://host:port` pairs, comma-separated, that
    /// send a prefix's calls straight to its service (in a cluster) instead of
    /// back through the edge. Empty: everything goes to `API_BASE_URL`.
    pub api_routes: Vec<(String, String)>,
    /// `SITE_DIR`: `pkg/` (wasm, JS, CSS) and the other static files.
    pub site_dir: PathBuf,
    /// What the pages may know.
    pub public: PublicSettings,
    /// `COOKIE_SECURE` (default true, as auth's): the site is served over
    /// HTTPS, so answers carry `Strict-Transport-Security`.
    pub cookies_secure: bool,
}

/// Settings that reach the rendered pages.
#[derive(Debug, Clone, Default)]
pub struct PublicSettings {
    /// `STRIPE_PUBLISHABLE_KEY`: Stripe Elements when set, test mode otherwise.
    pub stripe_publishable_key: Option<String>,
}

impl Settings {
    /// Reads the settings; an empty value counts as unset.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let api_base_url = env.string_or("API_BASE_URL", "http://127.0.0.1:3000");
        if !(api_base_url.starts_with("http://") || api_base_url.starts_with("https://")) {
            return Err(ConfigError("API_BASE_URL must start with http:// or https://".to_owned()));
        }
        let mut api_routes = Vec::new();
        for pair in env.get("API_ROUTES").unwrap_or_default().split(',').filter(|p| !p.trim().is_empty()) {
            match pair.trim().split_once('=') {
                Some((prefix, url))
                    if prefix.starts_with('/') && (url.starts_with("http://") || url.starts_with("https://")) =>
                {
                    api_routes.push((prefix.trim_end_matches('/').to_owned(), url.trim_end_matches('/').to_owned()));
                }
                _ => {
                    return Err(ConfigError(
                        "API_ROUTES must be /prefix=http://host pairs, comma-separated".to_owned(),
                    ));
                }
            }
        }
        Ok(Self {
            addr: env.listen_addr()?,
            api_base_url,
            api_routes,
            site_dir: PathBuf::from(env.string_or("SITE_DIR", "target/site")),
            public: PublicSettings { stripe_publishable_key: env.get("STRIPE_PUBLISHABLE_KEY").map(str::to_owned) },
            cookies_secure: env.boolean("COOKIE_SECURE", true)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let settings = Settings::from_env(&Env::from_pairs([])).unwrap();
        assert_eq!(settings.addr.port(), 3000);
        assert_eq!(settings.api_base_url, "http://127.0.0.1:3000");
        assert!(settings.api_routes.is_empty());
        assert_eq!(settings.site_dir, PathBuf::from("target/site"));
        assert_eq!(settings.public.stripe_publishable_key, None);
        assert!(settings.cookies_secure);
    }

    #[test]
    fn an_empty_key_is_no_key() {
        let env = Env::from_pairs([("STRIPE_PUBLISHABLE_KEY", ""), ("PORT", "3006")]);
        let settings = Settings::from_env(&env).unwrap();
        assert_eq!(settings.public.stripe_publishable_key, None);
        assert_eq!(settings.addr.port(), 3006);
    }

    #[test]
    fn a_base_url_without_a_scheme_is_refused() {
        let error = Settings::from_env(&Env::from_pairs([("API_BASE_URL", "localhost:3000")])).unwrap_err();
        assert_eq!(error.to_string(), "API_BASE_URL must start with http:// or https://");
    }

    #[test]
    fn routes_are_prefix_and_url_pairs() {
        let env = Env::from_pairs([("API_ROUTES", "/api/users=http://auth:3000/, /api/tickets=http://tickets:3000")]);
        let settings = Settings::from_env(&env).unwrap();
        assert_eq!(
            settings.api_routes,
            [
                ("/api/users".to_owned(), "http://auth:3000".to_owned()),
                ("/api/tickets".to_owned(), "http://tickets:3000".to_owned())
            ]
        );
        let error = Settings::from_env(&Env::from_pairs([("API_ROUTES", "api/users=auth:3000")])).unwrap_err();
        assert_eq!(error.to_string(), "API_ROUTES must be /prefix=http://host pairs, comma-separated");
    }
}
