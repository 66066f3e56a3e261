//! Server-rendered pages already hold their data: what a visitor sees
//! before any script has run.

use std::time::Duration;

use reqwest::StatusCode;
use test_support::eventually;

use crate::helpers::{order, page_eventually_shows, sell, sign_up, with_stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_arrives_with_its_data_for_a_seller_and_a_buyer() {
    with_stack(60, async |stack| {
        let api = &stack.api;

        // Nothing for sale yet, nobody signed in.
        let landing = stack.page("/", None).await;
        assert_eq!(landing.status, StatusCode::OK);
        assert!(landing.content_type.starts_with("text/html"), "{}", landing.content_type);
        landing.shows(&["GitTix", "Sign Up", "Sign In", "Tickets", "No tickets for sale yet."]);
        landing.hides(&["Sign Out", "Sell Tickets"]);
        assert!(landing.html.contains("/pkg/client.js"), "the page loads the hydration bundle");

        let seller = sign_up(api, "seller@example.com").await;
        let buyer = sign_up(api, "buyer@example.com").await;
        let concert = sell(api, &seller, "Concert", 20.0).await;
        let opera = sell(api, &seller, "Opera", 12.5).await;

        // The list, prices with two decimals, a View link each; the header knows the seller.
        let landing = stack.page("/", Some(&seller)).await;
        landing.shows(&[
            "Sell Tickets",
            "My Orders",
            "Sign Out",
            "Title Price Link",
            "Concert $20.00 View",
            "Opera $12.50 View",
        ]);
        landing.hides(&["Sign In", "Reserved", "No tickets for sale yet."]);
        assert!(landing.html.contains(&format!("href=\"/tickets/{concert}\"")), "View links to the ticket");

        // A ticket, to an anonymous visitor and to a buyer.
        let ticket = stack.page(&format!("/tickets/{concert}"), None).await;
        assert_eq!(ticket.status, StatusCode::OK);
        ticket.shows(&["Concert", "Price: $20.00", "Sign in to purchase"]);
        ticket.hides(&["Purchase "]);
        assert!(ticket.html.contains("<h1>Concert</h1>"), "the title is the heading");
        let ticket = stack.page(&format!("/tickets/{concert}"), Some(&buyer)).await;
        ticket.shows(&["Price: $20.00", "Purchase"]);
        ticket.hides(&["Sign in to purchase"]);

        // The buyer's orders, before and after a reservation.
        stack.page("/orders", Some(&buyer)).await.shows(&["My Orders", "You have no orders yet."]);
        let placed = order(api, &buyer, &concert).await;
        let orders = stack.page("/orders", Some(&buyer)).await;
        orders.shows(&["My Orders", "Concert - Awaiting payment"]);
        assert!(orders.html.contains(&format!("href=\"/orders/{placed}\"")), "each order links to its page");
        page_eventually_shows(stack, "/", &buyer, "Concert Reserved $20.00").await;

        // The open order: a countdown from the server's clock and the test-mode form.
        let open = stack.page(&format!("/orders/{placed}"), Some(&buyer)).await;
        assert_eq!(open.status, StatusCode::OK);
        open.shows(&["Concert", "Time left to pay:", "Test mode", "tok_visa", "tok_chargeDeclined", "Pay $20.00"]);
        let seconds: u32 = open
            .text()
            .split("Time left to pay: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .expect("a number of seconds");
        assert!((50..=60).contains(&seconds), "about a minute left: {seconds}");
        open.shows(&[&format!("Time left to pay: {seconds} seconds")]);

        // Paid: the order page and the list say so.
        let paid = eventually(Duration::from_secs(20), "payments knows the order", || async {
            let reply = api
                .post("/api/payments", Some(&buyer), &serde_json::json!({"orderId": placed, "token": "tok_visa"}))
                .await;
            (reply.code() != 404).then_some(reply)
        })
        .await;
        assert_eq!(paid.code(), 201, "{:?}", paid.body);
        let done = page_eventually_shows(stack, &format!("/orders/{placed}"), &buyer, "Paid").await;
        done.hides(&["Time left to pay", "Pay $20.00"]);
        stack.page("/orders", Some(&buyer)).await.shows(&["Concert - Paid"]);

        // Cancelled by its buyer in time: not the same as expired.
        let dropped = order(api, &buyer, &opera).await;
        assert_eq!(api.delete(&format!("/api/orders/{dropped}"), Some(&buyer)).await.code(), 204);
        let page = stack.page(&format!("/orders/{dropped}"), Some(&buyer)).await;
        page.shows(&["Opera", "Order Cancelled"]);
        page.hides(&["Order Expired", "Pay $12.50"]);
        stack.page("/orders", Some(&buyer)).await.shows(&["Concert - Paid", "Opera - Cancelled"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_left_unpaid_past_its_time_shows_order_expired() {
    with_stack(3, async |stack| {
        let api = &stack.api;
        let seller = sign_up(api, "seller@example.com").await;
        let buyer = sign_up(api, "buyer@example.com").await;
        let matinee = sell(api, &seller, "Matinee", 15.0).await;
        let lapsed = order(api, &buyer, &matinee).await;
        let page = page_eventually_shows(stack, &format!("/orders/{lapsed}"), &buyer, "Order Expired").await;
        page.hides(&["Pay $15.00", "Time left to pay", "Order Cancelled"]);
        page_eventually_shows(stack, "/orders", &buyer, "Matinee - Cancelled").await;
    })
    .await;
}
