//! Calls made while rendering on the server: to `API_BASE_URL`, as the
//! visitor (their `Cookie`), for the site they asked for (their `Host`, which
//! an ingress routes on), tagged with their request id and carrying their
//! trace context (`traceparent`, contract §8 "Traces"), so the API's spans
//! join the visitor's trace.

use std::time::Duration;

use http::{HeaderMap, HeaderName, header, request::Parts};
use leptos::prelude::use_context;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Failure, Reply};

/// Headers copied from the visitor's request to the API call.
const FORWARDED: [HeaderName; 4] =
    [header::COOKIE, header::HOST, HeaderName::from_static("x-request-id"), HeaderName::from_static("traceparent")];

/// Where the API is, and the pooled HTTP client: provided to every render.
#[derive(Clone, Debug)]
pub struct ServerApi {
    base: String,
    /// (path prefix, base URL): the first whose prefix matches whole path
    /// segments wins, as at the edge (contract §1); otherwise `base`.
    routes: Vec<(String, String)>,
    http: reqwest::Client,
}

impl ServerApi {
    /// The API at `base` (e.g. `http://127.0.0.1:3000`), with `routes` sending
    /// some prefixes elsewhere (`API_ROUTES`).
    pub fn new(base: &str, routes: Vec<(String, String)>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { base: base.trim_end_matches('/').to_owned(), routes, http })
    }

    /// The URL a call to `path` goes to.
    fn url(&self, path: &str) -> String {
        let base = self
            .routes
            .iter()
            .find(|(prefix, _)| {
                path.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
            })
            .map_or(&self.base, |(_, url)| url);
        format!("{base}{path}")
    }
}

/// Calls the API on behalf of the visitor being rendered for.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    api: Option<ServerApi>,
    headers: HeaderMap,
}

impl Caller {
    /// The caller for the current render. Must be called while rendering
    /// (it reads the request from the reactive context), not inside a future.
    pub fn current() -> Self {
        let api = use_context::<ServerApi>();
        let mut headers = HeaderMap::new();
        if let Some(parts) = use_context::<Parts>() {
            for name in FORWARDED {
                if let Some(value) = parts.headers.get(&name) {
                    headers.insert(name, value.clone());
                }
            }
        }
        Self { api, headers }
    }

    /// `GET path`, decoded.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        self.send(reqwest::Method::GET, path, None).await?.decode()
    }

    /// `POST path` with a JSON body, decoded.
    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, Failure> {
        self.send(reqwest::Method::POST, path, Some(body)).await?.decode()
    }

    /// `PUT path` with a JSON body, decoded.
    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, Failure> {
        self.send(reqwest::Method::PUT, path, Some(body)).await?.decode()
    }

    /// `DELETE path`; a 2xx is `Ok`.
    pub async fn delete(&self, path: &str) -> Result<(), Failure> {
        self.send(reqwest::Method::DELETE, path, None).await?.decode::<Value>().map(drop)
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Reply, Failure> {
        let Some(api) = &self.api else {
            // Rendering outside a request (listing the routes at start-up).
            return Err(Failure::Unreachable);
        };
        let mut request = api.http.request(method, api.url(path)).headers(self.headers.clone());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|error| {
            tracing::warn!(path, error = %error, "the API is unreachable");
            Failure::Unreachable
        })?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|_| Failure::Unreachable)?;
        Ok(Reply { status, body })
    }
}

/// Waits `duration` (between retries).
pub async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_takes_its_whole_path_segments() {
        let routes = vec![("/api/users".to_owned(), "http://auth:3000".to_owned())];
        let api = ServerApi::new("http://edge/", routes).unwrap();
        assert_eq!(api.url("/api/users/currentuser"), "http://auth:3000/api/users/currentuser");
        assert_eq!(api.url("/api/users?x=1"), "http://auth:3000/api/users?x=1");
        assert_eq!(api.url("/api/usersx"), "http://edge/api/usersx");
        assert_eq!(api.url("/api/tickets"), "http://edge/api/tickets");
    }
}
