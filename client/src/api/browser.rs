//! Calls made in the browser: same-origin `/api/*`, so the session cookie
//! goes along (and signup/signin set it) without any relaying.

use std::time::Duration;

use gloo_net::http::{Request, RequestBuilder};
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Failure, Reply};

/// Calls the API as the visitor, from their browser. (Clone, not Copy, to
/// match the server's `Caller`, so pages read the same on both sides.)
#[derive(Clone, Debug, Default)]
pub struct Caller;

impl Caller {
    /// The caller for this page.
    pub fn current() -> Self {
        Self
    }

    /// `GET path`, decoded.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        send(Request::get(path), None).await?.decode()
    }

    /// `POST path` with a JSON body, decoded.
    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, Failure> {
        send(Request::post(path), Some(body)).await?.decode()
    }

    /// `PUT path` with a JSON body, decoded.
    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, Failure> {
        send(Request::put(path), Some(body)).await?.decode()
    }

    /// `DELETE path`; a 2xx is `Ok`.
    pub async fn delete(&self, path: &str) -> Result<(), Failure> {
        send(Request::delete(path), None).await?.decode::<serde_json::Value>().map(drop)
    }
}

/// Browser futures are not `Send`; resources need `Send` futures, and this
/// one never leaves the browser's single thread.
fn send(request: RequestBuilder, body: Option<Value>) -> SendWrapper<impl Future<Output = Result<Reply, Failure>>> {
    SendWrapper::new(async move {
        let request = match body {
            Some(body) => request.json(&body),
            None => request.build(),
        }
        .map_err(|_| Failure::Unreachable)?;
        let response = request.send().await.map_err(|_| Failure::Unreachable)?;
        let status = response.status();
        let body = response.text().await.map_err(|_| Failure::Unreachable)?;
        Ok(Reply { status, body })
    })
}

/// Waits `duration` (between retries).
pub async fn sleep(duration: Duration) {
    let (done, wait) = futures_channel();
    leptos::prelude::set_timeout(done, duration);
    wait.await;
}

/// A one-shot signal from a timer callback to a future.
fn futures_channel() -> (impl FnOnce(), impl Future<Output = ()>) {
    let (sender, receiver) = futures::channel::oneshot::channel::<()>();
    (
        move || {
            let _ = sender.send(());
        },
        async move {
            let _ = receiver.await;
        },
    )
}
