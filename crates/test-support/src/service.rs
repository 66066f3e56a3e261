//! Running a service under test: spawn it, wait until ready, stop it as
//! SIGTERM would. Every service's test helpers start their app this way.

use std::{future::Future, pin::Pin, time::Duration};

use tokio::{sync::oneshot, task::JoinHandle};

use crate::{ApiClient, eventually};

/// The shutdown signal handed to the app.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A service running in this test process.
pub struct RunningService {
    /// Talks to it over real HTTP.
    pub api: ApiClient,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl RunningService {
    /// Runs `run(shutdown)` (an app's `run_until_stopped`) listening on `port`.
    pub fn spawn<F>(port: u16, run: impl FnOnce(Shutdown) -> F) -> Self
    where
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown: Shutdown = Box::pin(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(run(shutdown));
        Self { api: ApiClient::new(format!("http://127.0.0.1:{port}")), stop: Some(stop), task: Some(task) }
    }

    /// Waits until `/readyz` answers 200.
    pub async fn ready(self) -> Self {
        let api = self.api.clone();
        eventually(Duration::from_secs(15), "the service is ready", || async {
            (api.get("/readyz", None).await.code() == 200).then_some(())
        })
        .await;
        self
    }

    /// Stops it as SIGTERM would and returns how the run ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(|join| anyhow::anyhow!("the service task failed: {join}"))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        // A test that ends without stopping it still leaves nothing running.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
