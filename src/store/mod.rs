//! The index folder: the tantivy index of records, and the files beside it.
//!
//! Layout of an index folder (default `index/`):
//! - tantivy's own files (`meta.json`, segments): one document per record;
//! - `files.jsonl`, the [`manifest`] of ingested files and their content hashes, appended after
//!   every commit, which makes a re-run skip unchanged files;
//! - `failures.log`, one line per file that failed, with the reason (appended, never rewritten);
//! - `model.json`, the learned classifier when `xinfang train` has been run;
//! - `link/`, the state of petitioner and duplicate linking.
//!
//! Every record document carries the whole [`Record`] as stored JSON, so `show` and `export`
//! give back exactly what the pipeline produced; the other fields exist to search and filter.
//! Writes are upserts by record id: a record is deleted by its id (or by its file's key, when
//! a changed file is re-read) before it is added, so no sequence of runs duplicates a record.

pub mod manifest;

use crate::record::Record;
use crate::segment::{GramTokenizer, SearchTokens, WordListTokenizer};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing,
    TextOptions, Value, STORED, STRING,
};
use tantivy::{
    DateTime, DocAddress, DocSet, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument,
    Term, TERMINATED,
};

/// Name under which the tokenizer of the word field is registered in tantivy: it reads the
/// jieba words the pipeline computed ([`SearchTokens`]).
pub const JIEBA: &str = "jieba";
/// Name under which the character-gram tokenizer is registered in tantivy. `_v2`: runs of grams
/// are two positions apart ([`crate::segment::RUN_GAP`]), which phrase queries rely on; an index
/// of the first scheme has another schema (this name) and is refused with a re-ingest message
/// rather than answering phrases wrongly.
pub const GRAMS: &str = "grams_v2";

/// The fields of a record document.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Record id (exact).
    pub id: Field,
    /// Hash of the source file's path: deletes every record of a file that changed.
    pub file_key: Field,
    /// Title and text, jieba search-mode words (segmented by the pipeline, [`SearchTokens`]).
    pub body: Field,
    /// Title and text, character bigrams: substring and phrase matching.
    pub grams: Field,
    pub date: Field,
    pub category: Field,
    pub flag: Field,
    pub county: Field,
    pub township: Field,
    pub village: Field,
    pub level: Field,
    pub format: Field,
    pub petitioner_id: Field,
    /// The whole record as JSON (stored only).
    pub record: Field,
}

impl Fields {
    fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = |tokenizer: &str, option: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(option),
            )
        };
        let fields = Fields {
            id: b.add_text_field("id", STRING | STORED),
            file_key: b.add_text_field("file_key", STRING | STORED),
            // Words are looked up one at a time (phrases go to the bigrams): frequencies for
            // ranking, no positions.
            body: b.add_text_field("body", text(JIEBA, IndexRecordOption::WithFreqs)),
            grams: b.add_text_field(
                "grams",
                text(GRAMS, IndexRecordOption::WithFreqsAndPositions),
            ),
            date: b.add_date_field(
                "date",
                DateOptions::default()
                    .set_indexed()
                    .set_fast()
                    .set_precision(DateTimePrecision::Seconds),
            ),
            category: b.add_text_field("category", STRING),
            flag: b.add_text_field("flag", STRING),
            county: b.add_text_field("county", STRING),
            township: b.add_text_field("township", STRING),
            village: b.add_text_field("village", STRING),
            level: b.add_text_field("level", STRING),
            format: b.add_text_field("format", STRING),
            petitioner_id: b.add_text_field("petitioner_id", STRING),
            record: b.add_text_field("record", STORED),
        };
        (b.build(), fields)
    }
}

/// An open index folder.
pub struct Store {
    pub index: Index,
    pub fields: Fields,
    pub dir: PathBuf,
    /// One reader, kept between queries (opening one per query costs milliseconds) until
    /// [`Store::reload`].
    reader: Mutex<Option<IndexReader>>,
}

/// Errors opening or writing the index folder.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // The source is printed by the caller's error chain (`{:#}`), not repeated here.
    #[error("index {path}")]
    Tantivy {
        path: String,
        source: tantivy::TantivyError,
    },
    #[error("index {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("index {0} does not exist yet: run `xinfang ingest` first")]
    Missing(String),
    #[error("index {path}: stored record is not valid JSON")]
    BadRecord {
        path: String,
        source: serde_json::Error,
    },
}

impl Store {
    /// Open the index in `dir`, creating the folder and an empty index when there is none.
    pub fn open_or_create(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let (schema, fields) = Fields::build();
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| StoreError::Io {
            path: path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        if dir.join("meta.json").exists() {
            return Self::open(dir);
        }
        let index = Index::create(mmap, schema, Default::default()).map_err(|source| {
            StoreError::Tantivy {
                path: path.clone(),
                source,
            }
        })?;
        Ok(Self::ready(index, fields, dir))
    }

    /// Open an existing index read-only use (search, show, export).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.display().to_string();
        if !dir.join("meta.json").exists() {
            return Err(StoreError::Missing(path));
        }
        let index = Index::open_in_dir(dir).map_err(|source| StoreError::Tantivy {
            path: path.clone(),
            source,
        })?;
        let (schema, fields) = Fields::build();
        if index.schema() != schema {
            return Err(StoreError::Tantivy {
                path,
                source: tantivy::TantivyError::SchemaError(
                    "index was written by another version of xinfang: re-ingest into a new folder"
                        .into(),
                ),
            });
        }
        Ok(Self::ready(index, fields, dir))
    }

    /// The store over an opened index: xinfang's tokenizers registered, the search pool set up.
    fn ready(mut index: Index, fields: Fields, dir: &Path) -> Store {
        index.tokenizers().register(JIEBA, WordListTokenizer);
        index.tokenizers().register(GRAMS, GramTokenizer);
        // A query's segments are searched on every core (up to eight: an archive of a million
        // letters has a few dozen segments), not one after another: at a million letters on two
        // cores the slowest benchmark query (a quoted phrase over 78,416 letters) took 21.4 ms
        // on one thread and 13.3 ms on two. If no pool can be made, search runs in the calling
        // thread as before.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if threads > 1 {
            let _ = index.set_multithread_executor(threads);
        }
        Store {
            index,
            fields,
            dir: dir.to_path_buf(),
            reader: Mutex::new(None),
        }
    }

    /// A searcher over the index as of the last [`Store::reload`] (or the first use).
    pub fn searcher(&self) -> Result<Searcher, StoreError> {
        let mut reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        if reader.is_none() {
            *reader = Some(
                self.index
                    .reader_builder()
                    .reload_policy(ReloadPolicy::Manual)
                    .try_into()
                    .map_err(|e| self.error(e))?,
            );
        }
        Ok(reader.as_ref().expect("opened above").searcher())
    }

    /// See the records committed since the reader was opened. The reader is dropped and the next
    /// search opens a new one: its segments are mapped afresh, so the pages an ingest touched
    /// looking up archived records (a gigabyte by a million letters, counted in its resident
    /// memory) are let go at every commit instead of piling up for the whole run.
    pub fn reload(&self) {
        *self.reader.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The tantivy document of a record, given the search-mode words of its
    /// [`indexed_text`] from the segmenter and the [`file_key`] of its source file.
    pub fn document(&self, mut record: Record, words: &SearchTokens, key: &str) -> TantivyDocument {
        // A record whose text needed no clean-up stores it once (restored in `record_of`).
        if record.original == record.text {
            record.original.clear();
        }
        let record = &record;
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &record.id);
        doc.add_text(f.file_key, key);
        doc.add_text(f.body, words.as_str());
        doc.add_text(f.grams, indexed_text(record));
        if let Some(date) = record.date.as_deref().and_then(date_value) {
            doc.add_date(f.date, date);
        }
        for c in &record.categories {
            doc.add_text(f.category, &c.code);
        }
        for flag in &record.flags {
            doc.add_text(f.flag, flag);
        }
        let place = &record.place;
        for (field, value) in [
            (f.county, &place.county),
            (f.township, &place.township),
            (f.village, &place.village),
            (f.petitioner_id, &record.petitioner_id),
        ] {
            if let Some(v) = value {
                doc.add_text(field, v);
            }
        }
        if let Some(level) = record.addressee_level {
            doc.add_text(f.level, level.as_str());
        }
        if let Some(format) = record.source.format {
            doc.add_text(f.format, format.as_str());
        }
        doc.add_text(
            f.record,
            serde_json::to_string(record).expect("a Record always serialises"),
        );
        doc
    }

    /// The record stored in a document.
    pub fn record_of(&self, doc: &TantivyDocument) -> Result<Record, StoreError> {
        let mut record: Record = self.parse_record(doc)?;
        if record.original.is_empty() {
            record.original = record.text.clone();
        }
        Ok(record)
    }

    /// The term that selects a record by id.
    pub fn id_term(&self, id: &str) -> Term {
        Term::from_field_text(self.fields.id, id)
    }

    /// The term that selects every record of a source file (by its canonical path).
    pub fn file_term(&self, canonical_path: &str) -> Term {
        Term::from_field_text(self.fields.file_key, &file_key(canonical_path))
    }

    /// Ids of the committed records that carry `term`.
    pub fn ids_matching(&self, searcher: &Searcher, term: Term) -> Result<Vec<String>, StoreError> {
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let addresses = searcher
            .search(&query, &DocSetCollector)
            .map_err(|e| self.error(e))?;
        let mut ids = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
        Ok(ids)
    }

    /// A committed record by id, with its file key.
    pub fn record_by_id(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<(Record, String)>, StoreError> {
        let Some(doc) = self.document_by_id(searcher, id)? else {
            return Ok(None);
        };
        let key = doc
            .get_first(self.fields.file_key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Ok(Some((self.record_of(&doc)?, key)))
    }

    /// The cleaned text (`Record.text`) of a committed record, by id: what the linker reads to
    /// verify a near-duplicate. Only the text is parsed out of the stored record.
    pub fn text_by_id(&self, searcher: &Searcher, id: &str) -> Result<Option<String>, StoreError> {
        #[derive(serde::Deserialize)]
        struct TextOnly {
            text: String,
        }
        let Some(doc) = self.document_by_id(searcher, id)? else {
            return Ok(None);
        };
        Ok(Some(self.parse_record::<TextOnly>(&doc)?.text))
    }

    /// The stored record of a document (the whole [`Record`], or the part `T` asks for).
    fn parse_record<T: serde::de::DeserializeOwned>(
        &self,
        doc: &TantivyDocument,
    ) -> Result<T, StoreError> {
        let json = doc
            .get_first(self.fields.record)
            .and_then(|v| v.as_str())
            .unwrap_or("{}");
        serde_json::from_str(json).map_err(|source| StoreError::BadRecord {
            path: self.dir.display().to_string(),
            source,
        })
    }

    /// The live document of a record id. A walk over each segment's postings of the id term: an
    /// ingest asks this for every archived near-duplicate candidate, and the scored search it used
    /// (term statistics over every segment, then a collector) was nearly half the cost of a read.
    fn document_by_id(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<TantivyDocument>, StoreError> {
        let term = self.id_term(id);
        let io = |e: std::io::Error| self.error(e.into());
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment
                .inverted_index(self.fields.id)
                .map_err(|e| self.error(e))?;
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::Basic)
                .map_err(io)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    let address = DocAddress::new(ord as u32, doc);
                    return searcher.doc(address).map(Some).map_err(|e| self.error(e));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    fn error(&self, source: tantivy::TantivyError) -> StoreError {
        StoreError::Tantivy {
            path: self.dir.display().to_string(),
            source,
        }
    }
}

/// What is indexed for full-text search: the title, then the text.
pub fn indexed_text(record: &Record) -> String {
    match &record.title {
        Some(title) if !record.text.starts_with(title.as_str()) => {
            format!("{title}\n{}", record.text)
        }
        _ => record.text.clone(),
    }
}

/// Key of a source path in the index (hex of its BLAKE3 hash).
pub fn file_key(path: &str) -> String {
    blake3::hash(path.as_bytes()).to_hex()[..32].to_string()
}

/// An ISO date (`YYYY-MM-DD`) as a tantivy date at midnight UTC.
pub fn date_value(iso: &str) -> Option<DateTime> {
    let date = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()?;
    let secs = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some(DateTime::from_timestamp_secs(secs))
}

/// A store in a new temporary folder and a one-thread writer on it, for tests.
#[cfg(test)]
pub(crate) fn scratch() -> (tempfile::TempDir, Store, tantivy::IndexWriter) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_or_create(dir.path()).unwrap();
    let writer = store.index.writer_with_num_threads(1, 15_000_000).unwrap();
    (dir, store, writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, text: &str) -> Record {
        Record {
            id: id.into(),
            text: text.into(),
            original: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn records_are_found_by_id_across_segments_and_replacements() {
        let (_dir, store, mut writer) = scratch();
        let words = SearchTokens::default();
        // Two commits, so two segments; the second replaces `a` (delete by id, then add).
        writer
            .add_document(store.document(record("a", "第一封信"), &words, "k1"))
            .unwrap();
        writer
            .add_document(store.document(record("b", "第二封信"), &words, "k1"))
            .unwrap();
        writer.commit().unwrap();
        writer.delete_term(store.id_term("a"));
        writer
            .add_document(store.document(record("a", "改写后的第一封信"), &words, "k2"))
            .unwrap();
        writer.commit().unwrap();
        store.reload();
        let searcher = store.searcher().unwrap();
        assert_eq!(searcher.segment_readers().len(), 2);
        let text = |id| store.text_by_id(&searcher, id).unwrap();
        assert_eq!(text("a").as_deref(), Some("改写后的第一封信"));
        assert_eq!(text("b").as_deref(), Some("第二封信"));
        assert_eq!(text("c"), None);
        let (a, key) = store.record_by_id(&searcher, "a").unwrap().unwrap();
        assert_eq!(
            (a.text.as_str(), a.original.as_str(), key.as_str()),
            ("改写后的第一封信", "改写后的第一封信", "k2")
        );
    }
}
