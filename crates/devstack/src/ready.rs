//! Waiting for the stack: ports that answer, and every `/readyz`.

use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};

use crate::options::{CLIENT, Component, Options, SERVICES};

/// How long every `/readyz` gets to turn 200 (contract 10).
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Waits for every `/readyz`, naming any laggard and why.
pub(crate) async fn wait(options: &Options, client_built: bool) -> anyhow::Result<()> {
    let mut waiting: Vec<Component> = SERVICES.to_vec();
    if client_built {
        waiting.push(CLIENT);
    }
    let deadline = tokio::time::Instant::now() + READY_WITHIN;
    let mut last: Vec<(String, String)> = Vec::new();
    while tokio::time::Instant::now() < deadline {
        last.clear();
        for component in &waiting {
            match get(options.port(component), "/readyz").await {
                Ok((200, _)) => {}
                Ok((status, body)) => last.push((component.name.to_owned(), format!("{status} {body}"))),
                Err(error) => last.push((component.name.to_owned(), error.to_string())),
            }
        }
        if last.is_empty() {
            return Ok(());
        }
        waiting.retain(|c| last.iter().any(|(name, _)| name == c.name));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let laggards: Vec<String> = last.iter().map(|(name, why)| format!("  {name}: {why}")).collect();
    bail!("not ready after {READY_WITHIN:?}:\n{}", laggards.join("\n"))
}

/// `GET http://127.0.0.1:<port><path>` → (status, body).
async fn get(port: u16, path: &str) -> anyhow::Result<(u16, String)> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri = format!("http://127.0.0.1:{port}{path}").parse()?;
    let response = tokio::time::timeout(Duration::from_secs(2), client.get(uri)).await.context("timed out")??;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Whether something listens on the loopback `port`.
pub(crate) async fn port_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
}
