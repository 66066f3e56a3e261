//! `payments_unsettled_oldest_seconds`: the reconciler reports how long the
//! oldest attempt has waited to settle (the alert on a stuck reconciliation
//! reads it).

use std::time::Duration;

use common::{id::ObjectId, money::Cents, timestamp::Timestamp};
use payments::attempt::Attempt;
use test_support::{eventually, session_cookie};

use crate::helpers::{PATIENCE, spawn_app};

/// The gauge's value in the service's `/metrics`.
async fn oldest_unsettled(app: &crate::helpers::TestApp) -> Option<f64> {
    let text = reqwest::get(format!("{}/metrics", app.api.base())).await.ok()?.text().await.ok()?;
    text.lines().find_map(|line| line.strip_prefix("payments_unsettled_oldest_seconds ")?.parse().ok())
}

#[tokio::test]
async fn the_age_of_the_oldest_unsettled_attempt_is_exported() {
    let app = spawn_app().await;
    let (buyer, _) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    eventually(PATIENCE, "a first pass reports nothing unsettled", || async {
        (oldest_unsettled(&app).await == Some(0.0)).then_some(())
    })
    .await;

    // An attempt made ten minutes ago, still claimed by a settler that
    // never came back: the reconciler leaves it alone, and it shows.
    let ten_minutes_ago = Timestamp::now().unix_millis() / 1000 - 600;
    let mut stuck = Attempt::start(&order.id, 0, 2000, Duration::ZERO);
    stuck.id = ObjectId::parse(&format!("{ten_minutes_ago:08x}{}", &ObjectId::generate().as_str()[8..])).unwrap();
    stuck.claimed_until = Some(Timestamp::now().plus(Duration::from_secs(3600)));
    app.store.insert(&stuck, &[]).await.unwrap();

    let age = eventually(PATIENCE, "the stuck attempt's age is reported", || async {
        oldest_unsettled(&app).await.filter(|age| *age >= 600.0)
    })
    .await;
    assert!(age < 700.0, "{age}");
}
