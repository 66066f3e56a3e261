//! Assembly: NATS, Redis, the listener that schedules and the worker that runs.

use std::future::Future;

use common::{
    bus::Bus,
    http::metrics::Metrics,
    runtime::{Runnable, Service, retry_until_done},
};

use crate::{config::Settings, job::JobContext, listeners, queue::Queue, worker};

/// The expiration service, bound and ready to run.
pub struct Application {
    service: Service,
}

impl Application {
    /// Binds the port; NATS and Redis connect in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = common::http::bind(settings.addr).await?;
        let metrics = Metrics::new();
        let scheduled = metrics.counter("expiration_jobs_scheduled", "Expiration jobs added to the queue");
        let runs = metrics.counter("expiration_jobs_run", "Expiration jobs that published their event");
        let queue = Queue::new(&settings.redis_url, Queue::default_config(), scheduled)?;
        let bus = Bus::connect(&settings.nats, "expiration", metrics.clone()).await?;
        let service = Service::new("expiration", listener, metrics).bus(&bus);
        let checked = queue.clone();
        service.readiness().add_check("redis", move || {
            let queue = checked.clone();
            async move { queue.ping().await }
        });
        let connecting = queue.clone();
        let working = queue.clone();
        let jobs_bus = bus.clone();
        let worker_name = settings.worker_name.clone();
        let service = service
            .task("redis setup", move |shutdown| async move {
                let url = connecting.describe().to_owned();
                retry_until_done("redis", &url, shutdown, || connecting.connect()).await;
                Ok(())
            })
            .task("expiration worker", move |shutdown| {
                let context = JobContext { bus: jobs_bus, runs, shutdown: shutdown.clone() };
                worker::run(working, context, worker_name, shutdown)
            })
            .listener(listeners::listener(), &bus, queue);
        Ok(Self { service })
    }

    /// The bound port (the real one when the settings said 0).
    pub fn port(&self) -> u16 {
        self.service.port()
    }

    /// Serves until `shutdown` resolves, then stops in order.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        self.service.run_until_stopped(shutdown).await
    }
}

impl Runnable for Application {
    fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> impl Future<Output = anyhow::Result<()>> {
        Application::run_until_stopped(self, shutdown)
    }
}
