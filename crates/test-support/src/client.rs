//! A small HTTP client for tests: JSON in, `(status, JSON)` out, cookies by hand.

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

/// One answer from the API under test.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The response headers (for `Set-Cookie`).
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Reply {
    /// The status as a number, for terse assertions.
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    /// Every `Set-Cookie` header value.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The `name=value` part of the session cookie set, usable as a `Cookie` header.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|cookie| cookie.starts_with("express:sess="))
            .map(|cookie| cookie.split(';').next().unwrap_or_default().to_owned())
    }
}

/// Talks to one service (or the gateway) over real HTTP.
#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client for `base`, e.g. `http://127.0.0.1:41234`. Redirects are not followed.
    pub fn new(base: impl Into<String>) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client");
        Self { base: base.into(), http }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `method path` with an optional `Cookie` header and JSON body.
    pub async fn send(&self, method: Method, path: &str, cookie: Option<&str>, body: Option<&Value>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// Sends a raw body (not necessarily JSON).
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).body(body);
        if let Some(cookie) = cookie {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let body = serde_json::from_slice(&response.bytes().await.expect("body")).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send(Method::GET, path, cookie, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, cookie: Option<&str>, body: &Value) -> Reply {
        self.send(Method::POST, path, cookie, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, cookie: Option<&str>, body: &Value) -> Reply {
        self.send(Method::PUT, path, cookie, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send(Method::DELETE, path, cookie, None).await
    }
}
