//! Property tests for the email rule (contract 3.1), the first parser signup
//! and signin reach: arbitrary text never panics and never yields an
//! address outside the rule; generated valid addresses always pass,
//! lower-cased. `fuzz/` drives the same function with coverage guidance.

use auth::email::normalize;
use proptest::prelude::*;

proptest! {
    #[test]
    fn whatever_passes_follows_the_rule(raw in ".{0,300}|[a-zA-Z0-9.@-]{0,80}") {
        if let Some(email) = normalize(&raw) {
            prop_assert!(email.chars().count() <= 254);
            prop_assert_eq!(email.matches('@').count(), 1);
            prop_assert_eq!(&email, &email.to_lowercase());
            prop_assert_eq!(email.as_str(), raw.trim().to_lowercase());
            prop_assert_eq!(normalize(&email), Some(email), "normalising twice changes nothing");
        }
    }

    #[test]
    fn generated_valid_addresses_pass_lower_cased(
        local in "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[A-Za-z0-9_-]{1,20}){0,2}",
        labels in "([A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?\\.){1,3}[A-Za-z]{2,6}",
        padding in "[ \t]{0,3}",
    ) {
        let raw = format!("{padding}{local}@{labels}{padding}");
        prop_assert_eq!(normalize(&raw), Some(format!("{local}@{labels}").to_lowercase()));
    }
}
