//! `expiration_lateness_seconds`: how long after its due instant each
//! expiration went out (the alert on slow expirations reads it).

use std::time::Duration;

use common::timestamp::Timestamp;

use crate::helpers::{PATIENCE, order_expiring_in, spawn_app};
use test_support::eventually;

#[tokio::test]
async fn a_job_that_runs_after_its_due_instant_is_counted_as_late_by_that_much() {
    let app = spawn_app().await;
    // An order whose reservation ended five seconds ago (orders was down,
    // say): its job runs at once, five seconds late.
    let mut order = order_expiring_in(Duration::ZERO);
    order.expires_at = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 5_000).unwrap();
    app.publish(&order).await;
    eventually(PATIENCE, "the job ran", || async {
        (app.counter("expiration_jobs_run_total").await == 1).then_some(())
    })
    .await;

    let text = reqwest::get(format!("{}/metrics", app.api.base())).await.unwrap().text().await.unwrap();
    let value = |name: &str| -> f64 {
        text.lines().find_map(|line| line.strip_prefix(name)?.trim().parse().ok()).unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(value("expiration_lateness_seconds_count "), 1.0, "{text}");
    let late = value("expiration_lateness_seconds_sum ");
    assert!((5.0..PATIENCE.as_secs_f64() + 5.0).contains(&late), "{late}");
    assert_eq!(value("expiration_lateness_seconds_bucket{le=\"2.5\"} "), 0.0, "{text}");
}
