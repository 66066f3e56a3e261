//! Starting and stopping the whole stack, in order.

use std::{
    net::TcpListener as StdListener,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::{
    children::{Spec, Supervised},
    deps,
    gateway::{self, Routes},
    options::{CLIENT, Component, FAKE_STRIPE, GATEWAY, Options, SERVICES},
};

/// How long every `/readyz` gets to turn 200 (contract 10).
const READY_WITHIN: Duration = Duration::from_secs(60);
/// How long a child gets to stop after SIGTERM (its own hard stop is 20 s).
const STOP_GRACE: Duration = Duration::from_secs(25);

/// A running stack.
pub struct Stack {
    options: Options,
    /// Services and the client, in start order.
    children: Vec<Supervised>,
    /// Servers we started ourselves (fake Stripe, Redis, NATS), in start order.
    infra: Vec<Supervised>,
    gateway: Option<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)>,
}

impl Stack {
    /// Starts everything and waits until every service is ready. On any
    /// failure, whatever was started is stopped again.
    pub async fn start(options: Options) -> anyhow::Result<Self> {
        let mut stack = Self { options, children: Vec::new(), infra: Vec::new(), gateway: None };
        match stack.boot().await {
            Ok(()) => Ok(stack),
            Err(error) => {
                stack.stop().await;
                Err(error)
            }
        }
    }

    /// The one origin, e.g. `http://localhost:3000`.
    pub fn url(&self) -> String {
        format!("http://localhost:{}", self.options.port(&GATEWAY))
    }

    /// The process id of a running child (`orders`, `nats`, …).
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.children.iter().chain(&self.infra).find(|child| child.name() == name).and_then(Supervised::pid)
    }

    /// Stops what was started: the gateway, the children, then the fake
    /// Stripe, Redis and NATS (only if we started them).
    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.gateway.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
        let children = std::mem::take(&mut self.children);
        futures::future::join_all(children.iter().map(|child| child.stop(STOP_GRACE))).await;
        for server in std::mem::take(&mut self.infra).iter().rev() {
            server.stop(Duration::from_secs(10)).await;
        }
    }

    async fn boot(&mut self) -> anyhow::Result<()> {
        let data_dir = absolute(&self.options.data_dir)?;
        let run_dir = data_dir.join("run");
        std::fs::create_dir_all(&run_dir).with_context(|| format!("cannot create {}", run_dir.display()))?;
        let client_built = self.options.bin_dir.join(CLIENT.name).exists();
        self.check_ports(client_built)?;

        if let Some(nats) = deps::nats(&self.options.nats_url, &data_dir, &run_dir).await? {
            self.infra.push(nats);
        }
        if let Some(redis) = deps::redis(&self.options.redis_url, &data_dir, &run_dir).await? {
            self.infra.push(redis);
        }
        let (stripe_key, stripe_base) = match &self.options.stripe {
            Some((key, base)) => (key.clone(), base.clone()),
            None => {
                let port = self.options.port(&FAKE_STRIPE);
                let fake = self.spec(&FAKE_STRIPE, vec![("PORT".into(), port.to_string())]);
                self.infra.push(Supervised::start(fake, &run_dir)?);
                deps::wait_until(Duration::from_secs(15), || port_open(port))
                    .await
                    .context("the fake Stripe did not start")?;
                println!("fake Stripe on port {port} (STRIPE_KEY is unset)");
                ("sk_test_fake".to_owned(), Some(format!("http://127.0.0.1:{port}/")))
            }
        };

        let jwt_key = jwt_key(&data_dir)?;
        for service in SERVICES {
            let mut env = vec![
                ("JWT_KEY".to_owned(), jwt_key.clone()),
                (
                    "DATABASE_URL".to_owned(),
                    format!("sqlite:{}", data_dir.join(format!("{}.db", service.name)).display()),
                ),
                ("NATS_URL".to_owned(), self.options.nats_url.clone()),
                ("REDIS_URL".to_owned(), self.options.redis_url.clone()),
                ("COOKIE_SECURE".to_owned(), "false".to_owned()),
            ];
            if service.name == "payments" {
                env.push(("STRIPE_KEY".to_owned(), stripe_key.clone()));
                if let Some(base) = &stripe_base {
                    env.push(("STRIPE_API_BASE".to_owned(), base.clone()));
                }
            }
            let spec = self.spec(&service, env);
            self.children.push(Supervised::start(spec, &run_dir)?);
        }
        if client_built {
            let mut env =
                vec![("API_BASE_URL".to_owned(), format!("http://127.0.0.1:{}", self.options.port(&GATEWAY)))];
            if let Some(site) = &self.options.site_dir {
                env.push(("SITE_DIR".to_owned(), absolute(site)?.display().to_string()));
            }
            let spec = self.spec(&CLIENT, env);
            self.children.push(Supervised::start(spec, &run_dir)?);
        } else {
            println!("the client is not built; only the API is served");
        }

        self.start_gateway().await?;
        self.wait_ready(client_built).await?;
        println!("ticketing is running at {}", self.url());
        Ok(())
    }

    /// A child's spec: its binary, its port, the shared settings, then `extra`.
    fn spec(&self, component: &Component, extra: Vec<(String, String)>) -> Spec {
        let mut env = vec![
            ("PORT".to_owned(), self.options.port(component).to_string()),
            ("LOG_FORMAT".to_owned(), self.options.log_format.clone()),
            ("RUST_LOG".to_owned(), "info".to_owned()),
        ];
        env.extend(extra);
        // Pass-through settings win over our defaults (COOKIE_SECURE, RUST_LOG…).
        env.retain(|(name, _)| !self.options.passthrough.iter().any(|(passed, _)| passed == name));
        env.extend(self.options.passthrough.iter().cloned());
        Spec {
            name: component.name.to_owned(),
            program: self.options.bin_dir.join(component.name),
            args: Vec::new(),
            env,
            restart: true,
        }
    }

    /// Refuses to start when a port we need is taken, naming its variable.
    fn check_ports(&self, client_built: bool) -> anyhow::Result<()> {
        let mut needed: Vec<&Component> = SERVICES.iter().chain([&GATEWAY]).collect();
        if client_built {
            needed.push(&CLIENT);
        }
        if self.options.stripe.is_none() {
            needed.push(&FAKE_STRIPE);
        }
        for component in needed {
            let port = self.options.port(component);
            if let Err(error) = StdListener::bind(("0.0.0.0", port)) {
                bail!(
                    "port {port} for {} is taken ({error}); stop what uses it or set {} to another port",
                    component.name,
                    component.port_variable
                );
            }
        }
        Ok(())
    }

    async fn start_gateway(&mut self) -> anyhow::Result<()> {
        let port = self.options.port(&GATEWAY);
        let listener =
            TcpListener::bind(("0.0.0.0", port)).await.with_context(|| format!("cannot listen on port {port}"))?;
        let port_of = |name: &str| self.options.ports.iter().find(|(c, _)| c.name == name).map_or(0, |(_, p)| *p);
        let routes = Routes {
            prefixes: vec![
                ("/api/users", port_of("auth")),
                ("/api/tickets", port_of("tickets")),
                ("/api/orders", port_of("orders")),
                ("/api/payments", port_of("payments")),
            ],
            fallback: port_of("client"),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(gateway::serve(listener, routes, async move {
            let _ = stopped.await;
        }));
        self.gateway = Some((stop, task));
        Ok(())
    }

    /// Waits for every `/readyz`, naming any laggard and why.
    async fn wait_ready(&self, client_built: bool) -> anyhow::Result<()> {
        let mut waiting: Vec<Component> = SERVICES.to_vec();
        if client_built {
            waiting.push(CLIENT);
        }
        let deadline = tokio::time::Instant::now() + READY_WITHIN;
        let mut last: Vec<(String, String)> = Vec::new();
        while tokio::time::Instant::now() < deadline {
            last.clear();
            for component in &waiting {
                match get(self.options.port(component), "/readyz").await {
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

async fn port_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
}

/// The JWT key made on the first run and kept in `data/jwt-key`.
fn jwt_key(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("jwt-key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        let key = key.trim().to_owned();
        if !key.is_empty() {
            return Ok(key);
        }
    }
    let key: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    std::fs::write(&path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
    path.canonicalize().with_context(|| format!("cannot resolve {}", path.display()))
}
