//! Prices and times, the same on the server and in the browser.

/// `$20.00`: dollars with two decimals (contract 9).
pub fn price(dollars: f64) -> String {
    format!("${dollars:.2}")
}

/// Where to go after signing in or up: `next` when it is a path on this site
/// (`/tickets/new`), else `/`. `//host`, `/\\host` and absolute URLs would
/// leave the site, so they are refused (an open redirect otherwise).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// An order's status in plain words (`complete` is `Paid`).
pub fn order_status(status: &str) -> &'static str {
    match status {
        "complete" => "Paid",
        "cancelled" => "Cancelled",
        _ => "Awaiting payment",
    }
}

/// The day of a contract timestamp, as `24 Nov 2026` (UTC); the text itself
/// when it is not one.
pub fn day(timestamp: &str) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut parts = timestamp.get(..10).unwrap_or_default().split('-').map(str::parse::<usize>);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(year)), Some(Ok(month @ 1..=12)), Some(Ok(day))) => format!("{day} {} {year}", MONTHS[month - 1]),
        _ => timestamp.to_owned(),
    }
}

/// Milliseconds since the Unix epoch of a contract timestamp
/// (`2026-11-24T10:01:00.000Z`; fewer or no fractional digits are accepted).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock = clock.splitn(3, ':').map(str::parse::<i64>);
    let (hour, minute, second) = (clock.next()?.ok()?, clock.next()?.ok()?, clock.next()?.ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let millis = match fraction.len() {
        0 => 0,
        n if fraction.bytes().all(|b| b.is_ascii_digit()) => {
            let digits: i64 = fraction[..n.min(3)].parse().ok()?;
            digits * 10_i64.pow(3 - n.min(3) as u32)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm), so the browser build needs no date library.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whole seconds left until `expires_ms` at `now_ms`, rounded up: 1 ms left
/// is `1`, none left is `0` (contract 9: "rounded up").
pub fn seconds_left(expires_ms: i64, now_ms: i64) -> i64 {
    let left = expires_ms - now_ms;
    if left <= 0 { 0 } else { (left + 999) / 1000 }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_show_two_decimals() {
        for (dollars, shown) in [(20.0, "$20.00"), (12.5, "$12.50"), (19.99, "$19.99"), (999_999.99, "$999999.99")] {
            assert_eq!(price(dollars), shown, "{dollars}");
        }
    }

    #[test]
    fn only_paths_on_this_site_are_followed_after_signing_in() {
        for (next, to) in [
            (Some("/tickets/new"), "/tickets/new"),
            (Some("/?after=abc"), "/?after=abc"),
            (None, "/"),
            (Some(""), "/"),
            (Some("https://evil.test/"), "/"),
            (Some("//evil.test/"), "/"),
            (Some("/\\evil.test/"), "/"),
            (Some("/a\nb"), "/"),
        ] {
            assert_eq!(safe_next(next), to, "{next:?}");
        }
    }

    #[test]
    fn orders_read_in_plain_words() {
        assert_eq!(
            ["created", "awaiting:payment", "complete", "cancelled"].map(order_status),
            ["Awaiting payment", "Awaiting payment", "Paid", "Cancelled"]
        );
        assert_eq!(day("2026-11-24T10:01:00.000Z"), "24 Nov 2026");
        assert_eq!(day("garbage"), "garbage");
    }

    #[test]
    fn contract_timestamps_parse_to_epoch_milliseconds() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_timestamp("2026-11-24T10:01:00.000Z"), Some(1_795_514_460_000));
        assert_eq!(parse_timestamp("2000-02-29T23:59:59.999Z"), Some(951_868_799_999));
        assert_eq!(parse_timestamp("2026-11-24T10:01:00.5Z"), Some(1_795_514_460_500));
        assert_eq!(parse_timestamp("2026-11-24T10:01:00Z"), Some(1_795_514_460_000));
        for bad in ["", "2026-11-24", "2026-11-24T10:01:00.000", "2026-13-01T00:00:00.000Z", "yesterdayZ"] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn seconds_left_round_up_and_stop_at_zero() {
        for (left_ms, seconds) in [(60_000, 60), (59_001, 60), (59_000, 59), (1, 1), (0, 0), (-5_000, 0)] {
            assert_eq!(seconds_left(1_000_000 + left_ms, 1_000_000), seconds, "{left_ms} ms");
        }
    }
}
