//! Prometheus metrics, one registry per running service (not a global, so two
//! services in one test process keep separate counts). `requests` holds the
//! middleware that counts requests and the `/metrics` route.

mod requests;

pub(crate) use self::requests::{serve, track};

use std::{
    borrow::Cow,
    sync::{Arc, Mutex, atomic::AtomicU64},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::{Family, MetricConstructor},
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::{Metric, Registry},
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SubjectLabels {
    subject: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConsumedLabels {
    /// A handled subject's own `&'static str` (no copy per message).
    subject: Cow<'static, str>,
    outcome: &'static str,
}

#[derive(Clone)]
struct LatencyBuckets;

impl MetricConstructor<Histogram> for LatencyBuckets {
    fn new_metric(&self) -> Histogram {
        // 0.5 ms to ~4 s.
        Histogram::new(exponential_buckets(0.0005, 2.0, 14))
    }
}

/// A gauge of a fractional quantity (seconds), as services register it.
pub type FloatGauge = Gauge<f64, AtomicU64>;

/// The service's metrics. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Mutex<Registry>,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, LatencyBuckets>,
    events_published: Family<SubjectLabels, Counter>,
    events_consumed: Family<ConsumedLabels, Counter>,
    outbox_pending: Gauge,
    events_refused: Family<SubjectLabels, Counter>,
}

/// How a consumed message ended, for `events_consumed_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOutcome {
    /// Applied, duplicate or stale: acked.
    Ack,
    /// Not yet: nak with delay.
    Retry,
    /// Parked on the dead-letter subject.
    DeadLetter,
}

impl ConsumeOutcome {
    /// The `outcome` label, also logged with each consumed event.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ack => "ack",
            Self::Retry => "retry",
            Self::DeadLetter => "dead_letter",
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with the contract's standard metrics.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::default();
        let http_duration = Family::new_with_constructor(LatencyBuckets);
        let events_published = Family::default();
        let events_consumed = Family::default();
        let outbox_pending = Gauge::default();
        let events_refused = Family::default();
        registry.register("http_requests", "HTTP requests answered", http_requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency", http_duration.clone());
        registry.register("events_published", "Events published with a PubAck", events_published.clone());
        registry.register("events_consumed", "Events consumed, by outcome", events_consumed.clone());
        registry.register("outbox_pending", "Events waiting in the outbox", outbox_pending.clone());
        registry.register(
            "events_refused_stream_full",
            "Publishes refused because the stream is full; the events stay in the outbox",
            events_refused.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry: Mutex::new(registry),
                http_requests,
                http_duration,
                events_published,
                events_consumed,
                outbox_pending,
                events_refused,
            }),
        }
    }

    /// Registers a service-specific counter (exported as `<name>_total`).
    pub fn counter(&self, name: &str, help: &str) -> Counter {
        self.register(name, help, Counter::default())
    }

    /// Registers a service-specific gauge (a level that goes up and down).
    pub fn gauge(&self, name: &str, help: &str) -> Gauge {
        self.register(name, help, Gauge::default())
    }

    /// Registers a service-specific gauge in seconds (or any fractional
    /// quantity), exported under `name` as is.
    pub fn gauge_f64(&self, name: &str, help: &str) -> FloatGauge {
        self.register(name, help, FloatGauge::default())
    }

    /// Registers a service-specific histogram with the given bucket bounds.
    pub fn histogram(&self, name: &str, help: &str, buckets: impl Iterator<Item = f64>) -> Histogram {
        self.register(name, help, Histogram::new(buckets))
    }

    /// Adds `metric` to the registry and hands back a handle to it (metrics
    /// are shared handles: the registry keeps a clone).
    fn register<M: Metric + Clone>(&self, name: &str, help: &str, metric: M) -> M {
        let mut registry = self.inner.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        registry.register(name, help, metric.clone());
        metric
    }

    pub(crate) fn record_request(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.inner
            .http_requests
            .get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status })
            .inc();
        self.inner.http_duration.get_or_create(&RouteLabels { method, route }).observe(latency.as_secs_f64());
    }

    pub(crate) fn published(&self, subject: &str) {
        self.inner.events_published.get_or_create(&SubjectLabels { subject: subject.to_owned() }).inc();
    }

    /// A publish the stream refused for lack of space (the event stays pending).
    pub(crate) fn refused_stream_full(&self, subject: &str) {
        self.inner.events_refused.get_or_create(&SubjectLabels { subject: subject.to_owned() }).inc();
    }

    /// Creates a subject's `events_consumed_total` series at 0 for every
    /// outcome, so that the first dead letter is an increase from 0 that
    /// `increase()` (the dashboard panel, the `TicketingDeadLetters` alert)
    /// sees, rather than a new series that starts at 1.
    pub(crate) fn expect_consumed(&self, subject: &'static str) {
        for outcome in [ConsumeOutcome::Ack, ConsumeOutcome::Retry, ConsumeOutcome::DeadLetter] {
            let labels = ConsumedLabels { subject: Cow::Borrowed(subject), outcome: outcome.label() };
            // Creating the series is the point; the guard it returns is not needed.
            drop(self.inner.events_consumed.get_or_create(&labels));
        }
    }

    pub(crate) fn consumed(&self, subject: Cow<'static, str>, outcome: ConsumeOutcome) {
        let labels = ConsumedLabels { subject, outcome: outcome.label() };
        self.inner.events_consumed.get_or_create(&labels).inc();
    }

    pub(crate) fn set_outbox_pending(&self, pending: u64) {
        self.inner.outbox_pending.set(i64::try_from(pending).unwrap_or(i64::MAX));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let registry = self.inner.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        encode(&mut text, &registry).expect("writing to a String cannot fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_gauges_and_histograms_are_exported_under_their_names() {
        let metrics = Metrics::new();
        let oldest = metrics.gauge_f64("work_oldest_seconds", "Age of the oldest unfinished work");
        let late = metrics.histogram("work_lateness_seconds", "How late work ran", [0.1, 1.0].into_iter());
        oldest.set(12.5);
        late.observe(0.05);
        late.observe(3.0);
        let text = metrics.render();
        assert!(text.contains("work_oldest_seconds 12.5"), "{text}");
        assert!(text.contains("work_lateness_seconds_bucket{le=\"0.1\"} 1"), "{text}");
        assert!(text.contains("work_lateness_seconds_bucket{le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("work_lateness_seconds_count 2"), "{text}");
    }

    #[test]
    fn an_expected_subject_exports_its_dead_letters_at_zero_before_the_first() {
        let metrics = Metrics::new();
        metrics.expect_consumed("order.created");
        let text = metrics.render();
        assert!(text.contains(r#"events_consumed_total{subject="order.created",outcome="dead_letter"} 0"#), "{text}");
        metrics.consumed(Cow::Borrowed("order.created"), ConsumeOutcome::DeadLetter);
        let text = metrics.render();
        assert!(text.contains(r#"events_consumed_total{subject="order.created",outcome="dead_letter"} 1"#), "{text}");
    }
}
