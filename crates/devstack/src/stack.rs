//! Starting and stopping the whole stack, in order.

use std::{net::TcpListener as StdListener, path::Path, time::Duration};

use anyhow::{Context as _, bail};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::{
    children::{Spec, Supervised},
    data::{absolute, jwt_key},
    deps,
    gateway::{self, Routes},
    options::{CLIENT, Component, FAKE_STRIPE, GATEWAY, Options, SERVICES},
    ready,
};

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

    /// Sends `signal` to the named child (`orders`, `nats`, …) as a requested
    /// restart, which the crash-loop guard does not count; returns its pid.
    pub fn signal(&self, name: &str, signal: nix::sys::signal::Signal) -> Option<u32> {
        self.children.iter().chain(&self.infra).find(|child| child.name() == name)?.signal(signal)
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

    /// Dependencies, then the services, the client and the gateway; then
    /// waits for every `/readyz`.
    async fn boot(&mut self) -> anyhow::Result<()> {
        let data_dir = absolute(&self.options.data_dir)?;
        let run_dir = data_dir.join("run");
        std::fs::create_dir_all(&run_dir).with_context(|| format!("cannot create {}", run_dir.display()))?;
        let client_built = self.options.bin_dir.join(CLIENT.name).exists();
        self.check_ports(client_built)?;
        let stripe = self.start_dependencies(&data_dir, &run_dir).await?;
        self.start_services(&data_dir, &run_dir, &stripe)?;
        if client_built {
            self.start_client(&run_dir)?;
        } else {
            println!("the client is not built; only the API is served");
        }
        self.start_gateway().await?;
        ready::wait(&self.options, client_built).await?;
        println!("ticketing is running at {}", self.url());
        Ok(())
    }

    /// NATS and Redis (found or started), and the fake Stripe unless
    /// `STRIPE_KEY` is set; returns payments' Stripe settings.
    async fn start_dependencies(&mut self, data_dir: &Path, run_dir: &Path) -> anyhow::Result<Stripe> {
        if let Some(nats) = deps::nats(&self.options.nats_url, data_dir, run_dir).await? {
            self.infra.push(nats);
        }
        if let Some(redis) = deps::redis(&self.options.redis_url, data_dir, run_dir).await? {
            self.infra.push(redis);
        }
        if let Some((key, base)) = &self.options.stripe {
            return Ok(Stripe { key: key.clone(), base: base.clone() });
        }
        let port = self.options.port(&FAKE_STRIPE);
        let fake = self.spec(&FAKE_STRIPE, vec![("PORT".into(), port.to_string())]);
        self.infra.push(Supervised::start(fake, run_dir)?);
        deps::wait_until(Duration::from_secs(15), || ready::port_open(port))
            .await
            .context("the fake Stripe did not start")?;
        println!("fake Stripe on port {port} (STRIPE_KEY is unset)");
        Ok(Stripe { key: "sk_test_fake".to_owned(), base: Some(format!("http://127.0.0.1:{port}/")) })
    }

    /// Every service, with its store, the bus, the shared JWT key and, for
    /// payments, Stripe.
    fn start_services(&mut self, data_dir: &Path, run_dir: &Path, stripe: &Stripe) -> anyhow::Result<()> {
        // JWT_KEY from the environment wins over the key kept in data/.
        let jwt_key = match &self.options.jwt_key {
            Some(key) => key.expose().to_owned(),
            None => jwt_key(data_dir)?,
        };
        for service in SERVICES {
            let mut env = vec![
                ("JWT_KEY".to_owned(), jwt_key.clone()),
                ("DATABASE_URL".to_owned(), self.options.database_url(service.name, data_dir)),
                ("NATS_URL".to_owned(), self.options.nats_url.clone()),
                ("REDIS_URL".to_owned(), self.options.redis_url.clone()),
                ("COOKIE_SECURE".to_owned(), "false".to_owned()),
            ];
            if service.name == "auth" {
                // The gateway appends the caller to X-Forwarded-For: one trusted hop.
                env.push(("TRUSTED_PROXY_HOPS".to_owned(), "1".to_owned()));
            }
            if service.name == "payments" {
                env.push(("STRIPE_KEY".to_owned(), stripe.key.clone()));
                if let Some(base) = &stripe.base {
                    env.push(("STRIPE_API_BASE".to_owned(), base.clone()));
                }
            }
            let spec = self.spec(&service, env);
            self.children.push(Supervised::start(spec, run_dir)?);
        }
        Ok(())
    }

    /// The client, calling the API back through the gateway.
    fn start_client(&mut self, run_dir: &Path) -> anyhow::Result<()> {
        let mut env = vec![
            ("API_BASE_URL".to_owned(), format!("http://127.0.0.1:{}", self.options.port(&GATEWAY))),
            // Plain HTTP, as for auth's cookie: no HSTS for localhost.
            ("COOKIE_SECURE".to_owned(), "false".to_owned()),
        ];
        if let Some(site) = &self.options.site_dir {
            env.push(("SITE_DIR".to_owned(), absolute(site)?.display().to_string()));
        }
        let spec = self.spec(&CLIENT, env);
        self.children.push(Supervised::start(spec, run_dir)?);
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
        let routes = Routes {
            prefixes: SERVICES
                .iter()
                .filter_map(|service| service.route.map(|prefix| (prefix, self.options.port(service))))
                .collect(),
            fallback: self.options.port(&CLIENT),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(gateway::serve(listener, routes, async move {
            let _ = stopped.await;
        }));
        self.gateway = Some((stop, task));
        Ok(())
    }
}

/// What payments is told about Stripe.
struct Stripe {
    key: String,
    base: Option<String>,
}

/// A stack dropped without [`Stack::stop`] (a panicking test, say) still
/// leaves no process behind.
impl Drop for Stack {
    fn drop(&mut self) {
        for child in self.children.iter().chain(&self.infra) {
            child.kill_now();
        }
    }
}
