//! One trace as an indented tree, for people: each span under its parent,
//! children in start order, with its service and duration.
//!
//! ```text
//! orders      POST /api/orders                      12.4 ms
//! orders        insert orders                        1.1 ms
//! orders        publish order.created                2.0 ms
//! tickets         handle order.created               3.2 ms
//! ```

use std::{collections::HashMap, fmt::Write as _};

use crate::otlp::ReceivedSpan;

/// The trace ids in `spans`, most recently started last.
pub fn trace_ids(spans: &[ReceivedSpan]) -> Vec<String> {
    let mut started: HashMap<&str, u64> = HashMap::new();
    for span in spans {
        let first = started.entry(&span.trace_id).or_insert(span.start_unix_nanos);
        *first = (*first).min(span.start_unix_nanos);
    }
    let mut ids: Vec<(&str, u64)> = started.into_iter().collect();
    ids.sort_by_key(|(id, at)| (*at, *id));
    ids.into_iter().map(|(id, _)| id.to_owned()).collect()
}

/// The spans of `trace_id` as a tree; spans whose parent was not received
/// are shown as roots.
pub fn render(spans: &[ReceivedSpan], trace_id: &str) -> String {
    let trace: Vec<&ReceivedSpan> = spans.iter().filter(|span| span.trace_id == trace_id).collect();
    let ids: std::collections::HashSet<&str> = trace.iter().map(|span| span.span_id.as_str()).collect();
    let mut children: HashMap<Option<&str>, Vec<&ReceivedSpan>> = HashMap::new();
    for span in &trace {
        let parent = span.parent_span_id.as_deref().filter(|parent| ids.contains(parent));
        children.entry(parent).or_default().push(span);
    }
    for list in children.values_mut() {
        list.sort_by_key(|span| span.start_unix_nanos);
    }
    let mut text = format!("trace {trace_id} ({} spans)\n", trace.len());
    let mut stack: Vec<(&ReceivedSpan, usize)> =
        children.get(&None).into_iter().flatten().rev().map(|span| (*span, 0)).collect();
    while let Some((span, depth)) = stack.pop() {
        let millis = span.end_unix_nanos.saturating_sub(span.start_unix_nanos) as f64 / 1e6;
        let name = format!("{}{}", "  ".repeat(depth), span.name);
        let _ = writeln!(text, "{:<11} {name:<44} {millis:>9.1} ms", span.service);
        for child in children.get(&Some(span.span_id.as_str())).into_iter().flatten().rev() {
            stack.push((child, depth + 1));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(service: &str, id: &str, parent: Option<&str>, name: &str, start: u64) -> ReceivedSpan {
        ReceivedSpan {
            service: service.into(),
            trace_id: "t1".into(),
            span_id: id.into(),
            parent_span_id: parent.map(Into::into),
            name: name.into(),
            start_unix_nanos: start,
            end_unix_nanos: start + 2_000_000,
        }
    }

    #[test]
    fn children_are_indented_under_their_parent_in_start_order() {
        let spans = vec![
            span("tickets", "c", Some("b"), "handle order.created", 30),
            span("orders", "b", Some("a"), "publish order.created", 20),
            span("orders", "a", None, "POST /api/orders", 10),
            span("orders", "d", Some("a"), "insert orders", 15),
        ];
        let text = render(&spans, "t1");
        let names: Vec<&str> = text.lines().skip(1).map(|line| line[12..].trim_end()).collect();
        assert!(names[0].starts_with("POST /api/orders "), "{text}");
        assert!(names[1].starts_with("  insert orders"), "{text}");
        assert!(names[2].starts_with("  publish order.created"), "{text}");
        assert!(names[3].starts_with("    handle order.created"), "{text}");
        assert!(text.starts_with("trace t1 (4 spans)"), "{text}");
        assert_eq!(trace_ids(&spans), vec!["t1"]);
    }
}
