//! [`Store::stream_from`]: a whole find read in keyset batches, so a caller
//! can write each batch out before the next is read. Memory follows the
//! batch, not the collection; each batch is one indexed range read on the
//! primary key (ids after the last one seen), on either adapter.

use futures::{Stream, stream};
use serde_json::Value;

use super::{Document, Page, Store, StoreError};

impl Store {
    /// Every document of `D` matching `filter` and `start.present`, with ids
    /// after `start.after`, in id order, as batches of at most `batch`
    /// (`start.limit` is ignored). Ends after the first short batch, or the
    /// first error. Documents written while it runs may or may not appear
    /// (each batch sees the store as it is then), but none appears twice.
    pub fn stream_from<D: Document>(
        &self,
        filter: Vec<(String, Value)>,
        start: Page,
        batch: usize,
    ) -> impl Stream<Item = Result<Vec<D>, StoreError>> + Send + 'static {
        let batch = batch.max(1);
        let first = Some(Page { limit: batch, ..start });
        stream::unfold((self.clone(), filter, first), move |(store, filter, page)| async move {
            let page = page?;
            let borrowed: Vec<(&str, Value)> =
                filter.iter().map(|(field, value)| (field.as_str(), value.clone())).collect();
            let read = store.find_with_last::<D>(&borrowed, Some(&page)).await;
            let (docs, last) = match read {
                Ok(read) => read,
                // Yield the error, then stop.
                Err(error) => return Some((Err(error), (store, filter, None))),
            };
            if docs.is_empty() {
                return None;
            }
            let next = match last {
                Some(last) if docs.len() == batch => Some(Page { after: Some(last), ..page }),
                _ => None,
            };
            Some((Ok(docs), (store, filter, next)))
        })
    }
}
