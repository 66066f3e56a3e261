//! The observability component's dashboard and alerts query only metrics the
//! services really serve: the stack runs a purchase and an expiration (so
//! every histogram has samples), then each service's `/metrics` is scraped
//! and every metric named in `dashboard.json` and `alerts.yaml` must be in
//! one of them (kube-state-metrics' `kube_*` aside).

mod support;

use std::{collections::BTreeSet, time::Duration};

use support::{Running, order, sell, sign_up, start, wait_for_status};

const COMPONENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/k8s/components/observability");
const PROMQL_WORDS: [&str; 9] = ["by", "without", "on", "ignoring", "and", "or", "unless", "bool", "offset"];

/// The metric names a PromQL expression reads: identifiers that are not
/// functions, keywords, label names (`by (…)`, matchers) or durations.
fn metrics_in(expr: &str) -> BTreeSet<String> {
    let mut cleaned = String::new();
    let mut depth_braces = 0;
    for c in expr.chars() {
        match c {
            '{' => depth_braces += 1,
            '}' => depth_braces -= 1,
            _ if depth_braces == 0 => cleaned.push(c),
            _ => {}
        }
    }
    // Drop the label lists of `by (…)` / `without (…)`.
    for word in ["by", "without", "on", "ignoring"] {
        while let Some(at) = cleaned.find(&format!("{word} (")) {
            let end = cleaned[at..].find(')').map_or(cleaned.len(), |e| at + e + 1);
            cleaned.replace_range(at..end, " ");
        }
    }
    let mut names = BTreeSet::new();
    let chars: Vec<char> = cleaned.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic() || chars[i] == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let rest = chars[i..].iter().collect::<String>();
            let is_function = rest.trim_start().starts_with('(');
            let in_range = start > 0 && chars[start - 1].is_ascii_digit();
            if !is_function && !in_range && !PROMQL_WORDS.contains(&word.as_str()) {
                names.insert(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

/// Every `expr` of the dashboard and of the alert rules.
fn queried() -> BTreeSet<String> {
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{COMPONENT}/dashboard.json")).unwrap())
            .expect("dashboard.json parses");
    let mut exprs: Vec<String> = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            exprs.push(target["expr"].as_str().expect("expr").to_owned());
        }
    }
    // alerts.yaml: each `expr:` (one line, or a folded `>-` block).
    let alerts = std::fs::read_to_string(format!("{COMPONENT}/alerts.yaml")).unwrap();
    let mut lines = alerts.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(expr) = line.trim_start().strip_prefix("expr:") else { continue };
        let mut text = expr.trim().trim_start_matches(">-").to_owned();
        // Continuation lines of a folded block hold no `key:`.
        while let Some(next) = lines.peek().filter(|next| !next.contains(':')) {
            text.push(' ');
            text.push_str(next.trim());
            lines.next();
        }
        exprs.push(text);
    }
    assert!(exprs.len() >= 14, "the dashboard's 9 queries and 6 alerts: {exprs:?}");
    exprs.iter().flat_map(|expr| metrics_in(expr)).filter(|name| !name.starts_with("kube_")).collect()
}

#[test]
fn promql_names_are_told_from_functions_labels_and_ranges() {
    let found = metrics_in(r#"histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{x="y"}[5m]))) / b > 0.01"#);
    assert_eq!(found, BTreeSet::from(["a_bucket".to_owned(), "b".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboard_and_alerts_query_is_served() {
    let running = start().await;
    let Running { api, .. } = &running;
    let seller = sign_up(api, "seller@example.com").await;
    let buyer = sign_up(api, "buyer@example.com").await;
    let ticket = sell(api, &seller, "Watched", 10.0).await;
    let placed = order(api, &buyer, &ticket).await;
    wait_for_status(api, &buyer, placed["id"].as_str().unwrap(), "cancelled", Duration::from_secs(20)).await;

    let mut served = BTreeSet::new();
    for variable in ["AUTH_PORT", "TICKETS_PORT", "ORDERS_PORT", "PAYMENTS_PORT", "EXPIRATION_PORT"] {
        let url = format!("http://127.0.0.1:{}/metrics", running.port(variable));
        let text = reqwest::get(url).await.unwrap().text().await.unwrap();
        served.extend(
            text.lines()
                .filter(|line| !line.starts_with('#'))
                .filter_map(|line| line.split(['{', ' ']).next())
                .map(str::to_owned),
        );
    }
    let queried = queried();
    let missing: Vec<&String> = queried.iter().filter(|name| !served.contains(*name)).collect();
    assert!(missing.is_empty(), "queried but served by no service: {missing:?}\nserved: {served:?}");
}
