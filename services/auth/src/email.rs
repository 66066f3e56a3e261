//! The email rule (contract 3.1): deliberately simple and fully specified,
//! so the client, the tests and any future port agree on every address.
//!
//! One `@`; a local part of 1–64 characters from the "atext" set plus
//! non-leading, non-trailing, non-doubled dots; a domain of two or more
//! labels of letters, digits and inner hyphens, the last being 2+ letters;
//! 254 characters at most. The address is kept lower-cased.

/// The longest address accepted (RFC 5321's path limit minus the brackets).
const MAX_LEN: usize = 254;
/// The longest local part.
const MAX_LOCAL_LEN: usize = 64;
/// Characters allowed in the local part besides letters, digits and dots.
const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";

/// The trimmed, lower-cased address when `raw` follows the rule.
pub fn normalize(raw: &str) -> Option<String> {
    let email = raw.trim();
    if email.chars().count() > MAX_LEN {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    (valid_local(local) && valid_domain(domain)).then(|| email.to_lowercase())
}

fn valid_local(local: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '.' || LOCAL_SPECIALS.contains(c);
    (1..=MAX_LOCAL_LEN).contains(&local.len())
        && local.chars().all(allowed)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    // A second `@` lands here and fails the label rule.
    let labels: Vec<&str> = domain.split('.').collect();
    let last = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && labels.iter().all(|label| valid_label(label))
        && last.len() >= 2
        && last.chars().all(|c| c.is_ascii_alphabetic())
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn accepts_ordinary_and_unusual_but_valid_addresses() {
        for (raw, stored) in [
            ("test@test.com", "test@test.com"),
            ("  Mixed.Case@Example.COM ", "mixed.case@example.com"),
            ("o'neil+tickets@mail.example-site.co", "o'neil+tickets@mail.example-site.co"),
            ("a@b.io", "a@b.io"),
            ("x!#$%&'*+/=?^_`{|}~-y@d.org", "x!#$%&'*+/=?^_`{|}~-y@d.org"),
            ("1@123.example.net", "1@123.example.net"),
        ] {
            assert_eq!(normalize(raw).as_deref(), Some(stored), "{raw}");
        }
    }

    #[test]
    fn rejects_everything_outside_the_rule() {
        let long_local = format!("{}@x.com", "a".repeat(65));
        let too_long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        for raw in [
            "",
            "   ",
            "plain",
            "@x.com",
            "a@",
            "a@@x.com",
            "a@b@x.com",
            ".a@x.com",
            "a.@x.com",
            "a..b@x.com",
            "a b@x.com",
            "a@localhost",
            "a@x.c",
            "a@x.c0m",
            "a@-x.com",
            "a@x-.com",
            "a@x..com",
            "a@.x.com",
            "a@x.com.",
            "a@x_y.com",
            "é@x.com",
            "a@x.com\u{0}",
            &long_local,
            &too_long,
        ] {
            assert_eq!(normalize(raw), None, "{raw:?} must be refused");
        }
    }

    #[test]
    fn the_length_limits_are_inclusive() {
        assert!(normalize(&format!("{}@x.com", "a".repeat(64))).is_some());
        let exactly_254 = format!("{}@{}.com", "a".repeat(64), "b".repeat(254 - 64 - 1 - 4));
        assert_eq!(exactly_254.len(), 254);
        // A 185-character label is fine by this rule (it sets no label limit).
        assert!(normalize(&exactly_254).is_some());
    }
}
