//! Issue 16's pages as the server renders them: status words instead of
//! `Purchase`, a seller's listings and their edit page, sign-in links that
//! come back, and the landing page's 50-ticket pages with Next/Previous.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use test_support::eventually;

use crate::helpers::{order, page_eventually_shows, sell, sign_up, with_stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchase_is_offered_only_on_someone_elses_available_ticket() {
    with_stack(60, async |stack| {
        let api = &stack.api;
        let seller = sign_up(api, "seller@example.com").await;
        let buyer = sign_up(api, "buyer@example.com").await;
        let concert = sell(api, &seller, "Concert", 20.0).await;
        let path = format!("/tickets/{concert}");

        let own = stack.page(&path, Some(&seller)).await;
        own.shows(&["Concert", "Your listing"]);
        own.hides(&["Purchase"]);
        let anonymous = stack.page(&path, None).await;
        assert!(anonymous.html.contains(&format!("href=\"/auth/signin?next=/tickets/{concert}\"")));

        let placed = order(api, &buyer, &concert).await;
        let reserved = page_eventually_shows(stack, &path, &buyer, "Reserved").await;
        reserved.hides(&["Purchase"]);
        stack.page(&path, None).await.hides(&["Sign in to purchase"]);

        let paid = eventually(Duration::from_secs(20), "payments knows the order", || async {
            let reply = api.post("/api/payments", Some(&buyer), &json!({"orderId": placed, "token": "tok_visa"})).await;
            (reply.code() != 404).then_some(reply)
        })
        .await;
        assert_eq!(paid.code(), 201, "{:?}", paid.body);
        page_eventually_shows(stack, &path, &buyer, "Sold").await.hides(&["Purchase", "Reserved"]);
        page_eventually_shows(stack, "/", &buyer, "Concert Sold $20.00").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seller_sees_their_listings_and_edits_only_free_ones() {
    with_stack(60, async |stack| {
        let api = &stack.api;
        let seller = sign_up(api, "seller@example.com").await;
        let buyer = sign_up(api, "buyer@example.com").await;
        let concert = sell(api, &seller, "Concert", 20.0).await;
        let opera = sell(api, &seller, "Opera", 12.5).await;
        sell(api, &buyer, "Not mine", 5.0).await;

        let anonymous = stack.page("/tickets/mine", None).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert_eq!(anonymous.location.as_deref(), Some("/auth/signin?next=/tickets/mine"));

        order(api, &buyer, &opera).await;
        let mine = page_eventually_shows(stack, "/tickets/mine", &seller, "Opera $12.50 Reserved").await;
        mine.shows(&["My listings", "Concert $20.00 Available Edit"]);
        mine.hides(&["Not mine"]);
        assert!(mine.html.contains(&format!("href=\"/tickets/{concert}/edit\"")));
        assert!(!mine.html.contains(&format!("href=\"/tickets/{opera}/edit\"")), "no Edit on a reserved ticket");

        let form = stack.page(&format!("/tickets/{concert}/edit"), Some(&seller)).await;
        assert_eq!(form.status, StatusCode::OK);
        form.shows(&["Edit listing", "Title", "Price", "Save"]);
        assert!(form.html.contains("value=\"Concert\""), "the title is filled in");
        stack.page(&format!("/tickets/{opera}/edit"), Some(&seller)).await.shows(&["Cannot edit a reserved ticket"]);
        let theirs = stack.page(&format!("/tickets/{concert}/edit"), Some(&buyer)).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        theirs.shows(&["Ticket not found"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_comes_back_and_the_landing_page_pages_by_fifty() {
    with_stack(60, async |stack| {
        let api = &stack.api;
        let sell_page = stack.page("/tickets/new", None).await;
        assert_eq!(sell_page.status, StatusCode::SEE_OTHER);
        assert_eq!(sell_page.location.as_deref(), Some("/auth/signin?next=/tickets/new"));
        let seller = sign_up(api, "seller@example.com").await;
        let signed_in = stack.page("/auth/signin?next=/tickets/new", Some(&seller)).await;
        assert_eq!(signed_in.location.as_deref(), Some("/tickets/new"), "a signed-in visitor goes on at once");
        let elsewhere = stack.page("/auth/signin?next=//evil.test/", Some(&seller)).await;
        assert_eq!(elsewhere.location.as_deref(), Some("/"), "never to another site");

        let mut ids = Vec::new();
        for n in 0..52 {
            ids.push(sell(api, &seller, &format!("Show {n:02}"), 10.0).await);
        }
        let first = stack.page("/", None).await;
        first.shows(&["Show 00", "Show 49", "Next"]);
        first.hides(&["Show 50", "Previous"]);
        let next = format!("/?after={}", ids[49]);
        assert!(first.html.contains(&format!("href=\"{next}\" rel=\"next\"")), "Next starts after the 50th");
        let second = stack.page(&next, None).await;
        second.shows(&["Show 50", "Show 51", "Previous"]);
        second.hides(&["Show 49", "Next"]);
        assert!(second.html.contains("href=\"/\" rel=\"prev\""), "Previous goes back to the first page");
    })
    .await;
}
