//! Finding or starting what the services need: NATS with JetStream and Redis.
//!
//! A server that already answers on the configured URL is used as it is (and
//! never stopped by us). If nothing answers on a loopback URL, we start our
//! own, with its data under `data/`, and stop it when the stack stops.

use std::{path::Path, time::Duration};

use anyhow::{Context as _, bail};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};

use crate::children::{Spec, Supervised};

/// `(host, port)` of a `scheme://[user@]host:port[/…]` URL.
pub fn host_port(url: &str, default_port: u16) -> anyhow::Result<(String, u16)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((host.to_owned(), port.parse().with_context(|| format!("bad port in {url}"))?)),
        None if !authority.is_empty() => Ok((authority.to_owned(), default_port)),
        None => bail!("no host in {url}"),
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "::1" | "[::1]")
}

/// What answers on the NATS URL.
enum NatsProbe {
    JetStream,
    NoJetStream,
    Unreachable(String),
}

async fn probe_nats(url: &str) -> NatsProbe {
    let connecting = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(1)).connect(url);
    let client = match tokio::time::timeout(Duration::from_secs(2), connecting).await {
        Ok(Ok(client)) => client,
        Ok(Err(error)) => return NatsProbe::Unreachable(error.to_string()),
        Err(_) => return NatsProbe::Unreachable("timed out".into()),
    };
    // A raw `$JS.API.INFO` rather than `query_account()`: async-nats's typed
    // answer requires fields (`reserved_memory`…) that older servers, such as
    // Debian's nats-server 2.9, do not send, though their JetStream works.
    let info = client.request("$JS.API.INFO", bytes::Bytes::new());
    match tokio::time::timeout(Duration::from_secs(2), info).await {
        Ok(Ok(reply)) => {
            let body = String::from_utf8_lossy(&reply.payload);
            if body.contains("account_info_response") && !body.contains("\"error\"") {
                NatsProbe::JetStream
            } else {
                NatsProbe::NoJetStream
            }
        }
        _ => NatsProbe::NoJetStream,
    }
}

/// Uses the NATS at `url`, or starts `nats-server -js` there when it is a
/// loopback URL and nothing answers. Returns the server we started, if any.
pub async fn nats(url: &str, data_dir: &Path, run_dir: &Path) -> anyhow::Result<Option<Supervised>> {
    match probe_nats(url).await {
        NatsProbe::JetStream => {
            println!("using the NATS server at {url}");
            Ok(None)
        }
        NatsProbe::NoJetStream => bail!(
            "the NATS server at {url} has no JetStream: restart it with `nats-server -js`, or set NATS_URL to one that has it"
        ),
        NatsProbe::Unreachable(why) => {
            let (host, port) = host_port(url, 4222)?;
            if !is_loopback(&host) {
                bail!("cannot reach NATS at {url} ({why})");
            }
            let store = data_dir.join("nats");
            std::fs::create_dir_all(&store)?;
            println!("starting nats-server with JetStream on port {port} (data in {})", store.display());
            let spec = Spec {
                name: "nats".into(),
                program: program("nats-server"),
                args: ["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd", &store.to_string_lossy()]
                    .map(str::to_owned)
                    .to_vec(),
                env: Vec::new(),
                restart: true,
            };
            let server = Supervised::start(spec, run_dir)?;
            wait_until(Duration::from_secs(15), || async { matches!(probe_nats(url).await, NatsProbe::JetStream) })
                .await
                .with_context(|| format!("nats-server did not come up on port {port}"))?;
            Ok(Some(server))
        }
    }
}

async fn redis_answers(host: &str, port: u16) -> bool {
    let attempt = async {
        let mut stream = TcpStream::connect((host, port)).await.ok()?;
        stream.write_all(b"PING\r\n").await.ok()?;
        let mut reply = [0u8; 64];
        let read = stream.read(&mut reply).await.ok()?;
        // +PONG, or an error such as -NOAUTH: either way a Redis answers.
        Some(read > 0 && (reply[0] == b'+' || reply[0] == b'-'))
    };
    tokio::time::timeout(Duration::from_secs(2), attempt).await.ok().flatten().unwrap_or(false)
}

/// Uses the Redis at `url`, or starts `redis-server` (AOF on) when it is a
/// loopback URL and nothing answers.
pub async fn redis(url: &str, data_dir: &Path, run_dir: &Path) -> anyhow::Result<Option<Supervised>> {
    let (host, port) = host_port(url, 6379)?;
    if redis_answers(&host, port).await {
        println!("using the Redis server at {url}");
        return Ok(None);
    }
    if !is_loopback(&host) {
        bail!("cannot reach Redis at {url}");
    }
    let dir = data_dir.join("redis");
    std::fs::create_dir_all(&dir)?;
    println!("starting redis-server with AOF on port {port} (data in {})", dir.display());
    let spec = Spec {
        name: "redis".into(),
        program: program("redis-server"),
        args: [
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--dir",
            &dir.to_string_lossy(),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
        ]
        .map(str::to_owned)
        .to_vec(),
        env: Vec::new(),
        restart: true,
    };
    let server = Supervised::start(spec, run_dir)?;
    wait_until(Duration::from_secs(15), || redis_answers(&host, port))
        .await
        .with_context(|| format!("redis-server did not come up on port {port}"))?;
    Ok(Some(server))
}

/// Debian installs the servers in /usr/sbin, which is not on every PATH.
fn program(name: &str) -> std::path::PathBuf {
    let sbin = Path::new("/usr/sbin").join(name);
    if sbin.exists() { sbin } else { name.into() }
}

/// Polls `check` every 100 ms until it is true or `timeout` passes.
pub async fn wait_until<F, Fut>(timeout: Duration, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("gave up after {timeout:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_and_port() {
        assert_eq!(host_port("nats://127.0.0.1:4222", 1).unwrap(), ("127.0.0.1".into(), 4222));
        assert_eq!(host_port("redis://user:pw@localhost:6380/0", 1).unwrap(), ("localhost".into(), 6380));
        assert_eq!(host_port("redis://cache", 6379).unwrap(), ("cache".into(), 6379));
        assert!(host_port("nats://", 1).is_err());
    }
}
