//! HTTP load with `wrk`: throughput and latency percentiles for one route.

use std::{path::Path, process::Command, time::Duration};

use anyhow::{Context as _, bail};

/// One measured route.
#[derive(Debug, Clone)]
pub(crate) struct LoadResult {
    /// What was measured, e.g. `GET /api/tickets/:id (gateway)`.
    pub(crate) label: String,
    /// Requests per second.
    pub(crate) rps: f64,
    /// Median latency in milliseconds.
    pub(crate) p50_ms: f64,
    /// 99th percentile latency in milliseconds.
    pub(crate) p99_ms: f64,
    /// Responses outside 2xx/3xx, as `wrk` counts them.
    pub(crate) errors: u64,
}

/// A request to load-test.
pub(crate) struct Target<'a> {
    /// Label in the report.
    pub(crate) label: String,
    /// Full URL.
    pub(crate) url: String,
    /// `GET` or `POST`.
    pub(crate) method: &'a str,
    /// JSON body for POST.
    pub(crate) body: Option<String>,
    /// `Cookie` header.
    pub(crate) cookie: Option<String>,
}

impl Target<'static> {
    /// A `GET` without a cookie.
    pub(crate) fn get(label: impl Into<String>, url: impl Into<String>) -> Self {
        Self { label: label.into(), url: url.into(), method: "GET", body: None, cookie: None }
    }

    /// The same request as the holder of `cookie`.
    pub(crate) fn with_cookie(self, cookie: &str) -> Self {
        Self { cookie: Some(cookie.into()), ..self }
    }

    /// A `POST` of `body` as the holder of `cookie`.
    pub(crate) fn post(label: impl Into<String>, url: impl Into<String>, body: &str, cookie: &str) -> Self {
        Self {
            label: label.into(),
            url: url.into(),
            method: "POST",
            body: Some(body.into()),
            cookie: Some(cookie.into()),
        }
    }
}

/// Runs `wrk` against `target` for `duration` with `connections` connections.
pub(crate) fn run(
    target: &Target<'_>,
    duration: Duration,
    connections: u32,
    scratch: &Path,
) -> anyhow::Result<LoadResult> {
    let script = scratch.join("request.lua");
    std::fs::write(&script, lua(target)).context("writing the wrk script")?;
    let output = Command::new("wrk")
        // A 30 s timeout instead of wrk's 2 s: a whole large catalogue takes
        // seconds per answer, and wrk leaves timed-out requests out silently.
        .args(["-t2", &format!("-c{connections}"), &format!("-d{}s", duration.as_secs()), "--timeout", "30s"])
        .args(["--latency", "-s"])
        .arg(&script)
        .arg(&target.url)
        .output()
        .context("running wrk (install it with: sudo apt-get install -y wrk)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed: {}{}", text, String::from_utf8_lossy(&output.stderr));
    }
    parse(&target.label, &text)
}

fn lua(target: &Target<'_>) -> String {
    let mut script = format!("wrk.method = \"{}\"\n", target.method);
    script.push_str("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
    if let Some(cookie) = &target.cookie {
        script.push_str(&format!("wrk.headers[\"Cookie\"] = \"{cookie}\"\n"));
    }
    if let Some(body) = &target.body {
        script.push_str(&format!("wrk.body = [[{body}]]\n"));
    }
    script
}

/// Reads `Requests/sec`, the 50% and 99% latency lines and the error counts.
fn parse(label: &str, text: &str) -> anyhow::Result<LoadResult> {
    let mut result = LoadResult { label: label.to_owned(), rps: 0.0, p50_ms: 0.0, p99_ms: 0.0, errors: 0 };
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(value)) => result.rps = value.parse().unwrap_or(0.0),
            (Some("50%"), Some(value)) => result.p50_ms = millis(value),
            (Some("99%"), Some(value)) => result.p99_ms = millis(value),
            (Some("Non-2xx"), _) => result.errors += line.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0),
            _ => {}
        }
    }
    if result.rps == 0.0 {
        bail!("could not read wrk's output:\n{text}");
    }
    Ok(result)
}

/// `812.00us`, `1.20ms`, `2.01s` → milliseconds.
fn millis(value: &str) -> f64 {
    let (number, unit) = value.split_at(value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len()));
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 10s test @ http://127.0.0.1:3000/\n  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    1.90ms\n     99%    4.01ms\n  123456 requests in 10.00s, 14.00MB read\n  Non-2xx or 3xx responses: 7\nRequests/sec:  12345.60\nTransfer/sec:      1.40MB\n";
        let result = parse("x", text).unwrap();
        assert_eq!(result.rps, 12345.6);
        assert_eq!(result.p50_ms, 0.812);
        assert_eq!(result.p99_ms, 4.01);
        assert_eq!(result.errors, 7);
    }
}
