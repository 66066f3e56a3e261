//! The version-1 rule (contract 4.4) for replicas kept from another
//! service's events: an event carrying version v applies only to the stored
//! version v−1, so an update that overtook its predecessor waits instead of
//! overwriting newer data, and a redelivered one changes nothing.

/// Where an incoming version stands against the stored replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateFit {
    /// Stored version is v−1: apply it.
    Next,
    /// Stored version is v or later: a duplicate or stale update.
    AlreadyApplied,
    /// Stored version is below v−1: a predecessor is still on its way.
    TooEarly,
}

impl UpdateFit {
    /// The rule for an event at version `incoming` against `stored`.
    pub fn of(stored: i64, incoming: i64) -> Self {
        if stored >= incoming {
            Self::AlreadyApplied
        } else if stored < incoming - 1 {
            Self::TooEarly
        } else {
            Self::Next
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UpdateFit;

    #[test]
    fn only_the_next_version_applies() {
        assert_eq!(UpdateFit::of(0, 1), UpdateFit::Next);
        assert_eq!(UpdateFit::of(0, 2), UpdateFit::TooEarly);
        assert_eq!(UpdateFit::of(1, 1), UpdateFit::AlreadyApplied);
        assert_eq!(UpdateFit::of(3, 1), UpdateFit::AlreadyApplied);
    }
}
