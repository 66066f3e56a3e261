//! One subscriber's stream: `event: <name>` and `data: <JSON>` per update it
//! may see, a comment every [`KEEP_ALIVE`], counted while open.

use std::convert::Infallible;

use axum::{
    http::{HeaderName, HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::StreamExt as _;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{CONFIRM, KEEP_ALIVE, Live, Update};
use crate::{error::ApiError, id::ObjectId};

/// Counts a stream while it lives.
struct Counted(Gauge);

impl Counted {
    fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Live {
    /// A stream of every update from now on that `viewer` may see (updates
    /// for everyone, and with a viewer, those for that user). Until the hub
    /// follows the bus (just after start) it waits a little, then answers
    /// 503: a stream that opened earlier could miss a change.
    pub async fn stream(&self, viewer: Option<ObjectId>) -> Response {
        let mut following = self.inner.following.subscribe();
        let waited = tokio::time::timeout(CONFIRM, following.wait_for(|following| *following)).await;
        if !matches!(waited, Ok(Ok(_))) {
            return ApiError::Unavailable(anyhow::anyhow!("live updates are not following the bus yet"))
                .into_response();
        }
        let receiver = self.inner.sender.subscribe();
        let counted = Counted::new(&self.inner.connections);
        let name = self.inner.event;
        let updates = futures::stream::unfold((receiver, counted), move |(mut receiver, counted)| {
            let viewer = viewer.clone();
            async move {
                let update = next_for(&mut receiver, viewer.as_ref()).await?;
                let event = Event::default().event(name).data(&*update.data);
                Some((Ok::<_, Infallible>(event), (receiver, counted)))
            }
        });
        let updates = updates.take_until(self.inner.closing.clone().cancelled_owned());
        let mut response = Sse::new(updates).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        // Tells nginx (the ingress) not to buffer this answer.
        headers.insert(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"));
        response
    }
}

/// The next update `viewer` may see; `None` ends the stream: the hub closed,
/// or this stream fell more than the buffer behind (a slow reader is
/// dropped rather than queued for without bound).
async fn next_for(receiver: &mut Receiver<Update>, viewer: Option<&ObjectId>) -> Option<Update> {
    loop {
        match receiver.recv().await {
            Ok(update) if update.audience.is_none() || update.audience.as_ref() == viewer => return Some(update),
            Ok(_) => {}
            Err(RecvError::Lagged(missed)) => {
                tracing::info!(missed, "a live stream fell behind; closing it");
                return None;
            }
            Err(RecvError::Closed) => return None,
        }
    }
}
