//! Keyset paging for [`Store::find_page`](super::Store::find_page): ids
//! after a given one, at most `limit`, optionally only documents where a
//! field is present (or absent). Cost follows the page, not the collection.

/// One page of a find, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Only ids greater than this one.
    pub after: Option<String>,
    /// At most this many documents.
    pub limit: usize,
    /// Only documents where this field is non-null (`true`) or null/absent (`false`).
    pub present: Option<(&'static str, bool)>,
}
