//! The two store adapters side by side: the same write load on a stack on
//! SQLite files and on a stack on the MongoDB-wire server at `MONGO_URL`,
//! then the time until the outbox backlog it left has drained.

use std::{path::Path, time::Duration};

use crate::{
    boot::boot,
    flows::{self, Users},
    load::{self, Target},
};

/// The write load per store: shorter than the main loads, because the MongoDB
/// outbox drain grows with the square of the backlog today.
const WRITE_FOR: Duration = Duration::from_secs(5);

/// One store's figures.
#[derive(Debug, Clone)]
pub(crate) struct StoreRow {
    /// `SQLite` or the server's name.
    pub(crate) store: String,
    /// `POST /api/tickets` (direct) requests per second, p50 and p99 in ms.
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// Tickets the load created, and how long their events took to drain.
    pub(crate) created: u64,
    pub(crate) drained: Duration,
}

/// Both stores, or only SQLite when `MONGO_URL` is unset.
pub(crate) async fn compare(bin_dir: &Path, scratch: &Path) -> anyhow::Result<Vec<StoreRow>> {
    let mongo = std::env::var("MONGO_URL").ok().filter(|url| !url.is_empty());
    let mut rows = vec![measure(bin_dir, scratch, "SQLite", None).await?];
    match mongo {
        Some(url) => {
            let base = format!("{}/bench{}", url.trim_end_matches('/'), std::process::id());
            rows.push(measure(bin_dir, scratch, "MongoDB wire (SecantusDB)", Some(&base)).await?);
        }
        None => println!("MONGO_URL is unset: the MongoDB adapter is not measured"),
    }
    Ok(rows)
}

async fn measure(bin_dir: &Path, scratch: &Path, store: &str, database: Option<&str>) -> anyhow::Result<StoreRow> {
    println!("stores: {store}");
    let mut booted = boot(bin_dir, database).await?;
    let result = async {
        let users = Users::new(&booted.jwt_key()?);
        let target = Target {
            label: format!("POST /api/tickets ({store})"),
            url: format!("{}/api/tickets", booted.url("TICKETS_PORT")),
            method: "POST",
            body: Some(r#"{"title":"Bench","price":12.5}"#.to_owned()),
            cookie: Some(users.seller.clone()),
        };
        let scratch = scratch.to_path_buf();
        let load = tokio::task::block_in_place(|| load::run(&target, WRITE_FOR, crate::CONNECTIONS, &scratch))?;
        let api = test_support::ApiClient::new(booted.url("PORT"));
        let drained = flows::backlog_drain(&api, &users).await?;
        Ok(StoreRow {
            store: store.to_owned(),
            rps: load.rps,
            p50_ms: load.p50_ms,
            p99_ms: load.p99_ms,
            created: (load.rps * WRITE_FOR.as_secs_f64()).round() as u64,
            drained,
        })
    }
    .await;
    booted.stack.stop().await;
    result
}
