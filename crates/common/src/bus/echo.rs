//! Knowing that the server has a plain subscription.
//!
//! `Client::subscribe` and `Client::flush` return once the SUB is written to
//! the socket, not once the server applied it: a message another connection
//! publishes just after may still miss the new subscriber. The server reads
//! one connection's operations in order, so a message this connection sends
//! to itself, once it comes back, proves every earlier SUB was applied.

use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;

/// Returns once the server has applied every subscription `client` made
/// before the call (one round trip), or fails after `patience`.
pub async fn confirm_subscriptions(client: &async_nats::Client, patience: Duration) -> anyhow::Result<()> {
    let inbox = client.new_inbox();
    let mut echo = client.subscribe(inbox.clone()).await.context("cannot subscribe to an inbox")?;
    client.publish(inbox, bytes::Bytes::new()).await.context("cannot publish to the inbox")?;
    tokio::time::timeout(patience, echo.next())
        .await
        .context("the server did not echo within the patience")?
        .context("the connection closed before the echo")?;
    Ok(())
}

impl super::Bus {
    /// The same proof for a service's own connection, whose NATS user may not
    /// publish to its own inbox (infra/k8s/nats-auth.yaml): a stream-info
    /// request every service may make. Any answer, an error one included,
    /// comes after the server applied this connection's earlier SUBs.
    pub async fn confirm_subscriptions(&self, patience: Duration) -> anyhow::Result<()> {
        let subject = format!("$JS.API.STREAM.INFO.{}", crate::events::STREAM);
        let request = self.client().request(subject, bytes::Bytes::new());
        match tokio::time::timeout(patience, request).await.context("the server did not answer within the patience")? {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
            Err(error) => Err(anyhow::Error::new(error).context("stream info request")),
        }
    }
}
