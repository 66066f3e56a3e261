//! Assembly: NATS, Redis, the listener that schedules and the worker that runs.

use common::{backoff::retry_until_done, bus::Bus, runtime::Service};

use crate::{
    cleaner,
    config::Settings,
    job::{self, JobContext},
    listeners,
    queue::Queue,
    worker,
};

/// The expiration service: [`Application::build`] gives it bound and ready to run, as a
/// [`Service`] (its `port()`, then `run_until_stopped(shutdown)`).
pub struct Application;

impl Application {
    /// Binds the port; NATS and Redis connect in the background.
    pub async fn build(settings: Settings) -> anyhow::Result<Service> {
        let service = Service::bind("expiration", settings.addr).await?;
        let metrics = service.metrics().clone();
        let scheduled = metrics.counter("expiration_jobs_scheduled", "Expiration jobs added to the queue");
        let runs = metrics.counter("expiration_jobs_run", "Expiration jobs that published their event");
        let lateness = metrics.histogram(
            "expiration_lateness_seconds",
            "How long after its due instant each expiration was published",
            job::LATENESS_BUCKETS.into_iter(),
        );
        let queue = Queue::new(&settings.redis_url, Queue::default_config(), scheduled)?;
        let bus = Bus::connect(&settings.nats, "expiration", metrics).await?;
        let service = service.bus(&bus);
        let checked = queue.clone();
        service.readiness().add_check("redis", move || {
            let queue = checked.clone();
            async move { queue.ping().await }
        });
        let connecting = queue.clone();
        let working = queue.clone();
        let cleaning = queue.clone();
        let worker_name = settings.worker_name.clone();
        let service = service
            .task("redis setup", move |shutdown| async move {
                let url = connecting.describe().to_owned();
                retry_until_done("redis", &url, shutdown, || connecting.connect()).await;
                Ok(())
            })
            .task("expiration worker", move |shutdown| {
                let context = JobContext { bus, runs, lateness, shutdown: shutdown.clone() };
                worker::run(working, context, worker_name, shutdown)
            })
            .task("expiration cleaner", move |shutdown| cleaner::run(cleaning, shutdown))
            .listener(listeners::listener(), queue);
        Ok(service)
    }
}
