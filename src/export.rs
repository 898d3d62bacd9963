//! Streaming every record out of the index (`xinfang export`, reports, re-linking).
//!
//! Records are read segment by segment from tantivy's document store, block by block, so an
//! export of a million records holds one block of documents in memory at a time.

use crate::record::Record;
use crate::store::{Store, StoreError};
use tantivy::TantivyDocument;

/// Call `f` with every live record of the index; returns how many there were.
pub fn for_each_record(
    store: &Store,
    mut f: impl FnMut(&Record) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let searcher = store.searcher()?;
    let mut n = 0;
    for segment in searcher.segment_readers() {
        let docs = segment.get_store_reader(16)?;
        for doc in docs.iter::<TantivyDocument>(segment.alive_bitset()) {
            let doc = doc?;
            let record = store
                .record_of(&doc)
                .map_err(|e: StoreError| anyhow::anyhow!(e))?;
            f(&record)?;
            n += 1;
        }
    }
    Ok(n)
}
