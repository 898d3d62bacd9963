//! The ingest run: walk → read → extract → segment → classify → link → index, with the fate of
//! every input file accounted for.
//!
//! Files stream through in chunks: a reader thread walks the inputs and reads each chunk's files
//! ahead on a small pool of its own (reads wait for the disk, not a core), a producer thread has
//! rayon process each chunk in parallel, and finished files go over a bounded channel to the
//! writer, which links them and adds them to the tantivy writer. Memory is bounded by the chunk
//! size, the read-ahead budget and the channels, not by the archive.
//!
//! Every file ends as *ingested*, *skipped* (with why: unchanged, not a petition file …) or
//! *failed* (with why, naming the file); failures are also appended to `failures.log` in the
//! index folder. One bad file never stops the run.
//!
//! Crash safety: tantivy commits are atomic; the manifest of ingested files is appended only
//! after the commit that holds their records; an `ingest.lock` marker tells the next run that
//! the previous one did not finish, and then every re-read file first has its old records
//! deleted, so a re-run completes the job without duplicates.

use crate::engine::{Engine, Stage};
use crate::ingest::{self, Problem};
use crate::link::{Linker, RecordUpdate};
use crate::record::{Format, Record};
use crate::segment::SearchTokens;
use crate::store::manifest::{self, Entry, Manifest};
use crate::store::{file_key, Store, StoreError};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tantivy::IndexWriter;

/// Archived records the linker may read through one index reader before it is reopened (see
/// `Writer::add_files`).
const REOPEN_AFTER_FETCHES: usize = 4096;

/// Marker file present in the index folder while an ingest runs.
pub const LOCK_FILE: &str = "ingest.lock";
/// Log of failed files inside the index folder.
pub const FAILURE_LOG: &str = "failures.log";

/// How an ingest run behaves.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    pub index_dir: PathBuf,
    /// Commit to the index after this many records (and at the end).
    pub commit_every: usize,
    /// Files handed to the parallel workers at a time.
    pub chunk_files: usize,
    /// Memory budget of the tantivy writer, in bytes.
    pub writer_memory: usize,
    /// Indexing threads of the tantivy writer.
    pub writer_threads: usize,
}

impl IngestOptions {
    /// Defaults chosen from the machine: one tantivy indexing thread per two cores, and at least
    /// two, and 192 MB of writer memory a thread (capped at a sixteenth of the machine's
    /// memory): each commit of 100,000 letters leaves a segment of about 50,000 per thread,
    /// which a bulk run never merges (see [`merge_policy`]).
    ///
    /// Two threads even on two cores: a thread writes its segment out alone (sorting and
    /// encoding the postings), and with one thread everything else waited for it — at a
    /// million letters, one core stood idle for 3–6 s at every commit and every segment
    /// flush, 6 % of the run.
    pub fn new(index_dir: PathBuf) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let writer_threads = (cores / 2).clamp(2, 8);
        let per_thread = (192 << 20).min(memory_bytes().unwrap_or(2 << 30) as usize / 16);
        IngestOptions {
            index_dir,
            commit_every: 100_000,
            chunk_files: 256,
            // tantivy refuses less than 15 MB a thread.
            writer_memory: writer_threads * per_thread.max(64 << 20),
            writer_threads,
        }
    }
}

/// Total memory of the machine (Linux `MemTotal`), when known.
fn memory_bytes() -> Option<u64> {
    proc_kilobytes("/proc/meminfo", "MemTotal:")
}

/// A `KEY: N kB` line of a Linux `/proc` file, in bytes.
fn proc_kilobytes(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Merges only small segments (below 10,000 records: those of incremental runs, of link
/// rewrites and of each commit's remainder). tantivy's default merged a bulk run's segments into
/// ever larger ones: 8 % of the CPU of a million-letter ingest, and the segments being merged,
/// read through memory maps, were most of its peak resident memory. A large archive keeps a
/// segment per ~50,000 records; a query costs microseconds more per segment (BENCHMARKS.md).
pub fn merge_policy() -> tantivy::merge_policy::LogMergePolicy {
    let mut policy = tantivy::merge_policy::LogMergePolicy::default();
    policy.set_max_docs_before_merge(10_000);
    policy
}

/// A file that was skipped or failed, and why.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileIssue {
    pub path: String,
    pub reason: String,
}

/// Time spent in each stage, summed over threads (CPU time, except `index` and `link`, which
/// are the writer's wall time).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StageTimes {
    /// The workers' part of reading: hashing each file, and reading the files the read-ahead
    /// pool left to them (over its budget). Reads ahead overlap the other stages and are not
    /// counted.
    pub read: f64,
    pub decode: f64,
    pub extract: f64,
    pub segment: f64,
    pub classify: f64,
    pub link: f64,
    pub index: f64,
}

/// What an ingest run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IngestSummary {
    /// Input files seen.
    pub files: usize,
    /// Records added or replaced in this run.
    pub records: usize,
    /// Files whose records were added or replaced.
    pub ingested: usize,
    /// Files re-read because their content changed since the last run.
    pub replaced: usize,
    /// Records whose text came from xinfang's own OCR.
    pub ocr_records: usize,
    /// Bytes of input read.
    pub bytes: u64,
    pub skipped: Vec<FileIssue>,
    pub failed: Vec<FileIssue>,
    /// Records in the index after the run.
    pub total_records: u64,
    pub seconds: f64,
    pub stages: StageTimes,
    /// Peak resident memory of the process so far (Linux `VmHWM`), when known.
    pub peak_rss_bytes: Option<u64>,
}

/// Reports progress to a user interface; the library itself never prints.
pub trait Progress: Sync {
    /// Whether [`Progress::start`] needs the number of input files: counting them walks the
    /// inputs a second time, which only a visible progress bar is worth.
    fn wants_total(&self) -> bool {
        false
    }
    /// The run starts with `files` input files (0 when not counted).
    fn start(&self, _files: u64) {}
    /// One file is done.
    fn file_done(&self, _path: &str) {}
    /// The run is writing the index (commit).
    fn committing(&self) {}
    fn finish(&self) {}
}

/// A [`Progress`] that shows nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Errors that stop a whole run (per-file problems never do).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("index writer: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index folder {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("linking state: {0}")]
    Link(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PipelineError + '_ {
    move |source| PipelineError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// One input file to read: its path as shown to the user, as found on disk, and resolved (the
/// file's identity in the index: record ids and the manifest are keyed by it).
#[derive(Clone, Debug)]
pub struct InputFile {
    pub display: String,
    pub path: PathBuf,
    pub canonical: String,
}

/// A walked path with nothing to read: a special file, skipped, or a path the walk could not
/// follow, failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotRead {
    Skipped(FileIssue),
    Failed(FileIssue),
}

/// Walk the inputs: files as given, folders recursively in name order (hidden entries and the
/// index folder itself are left out). Paths that do not exist come back as failures; named
/// pipes, sockets and devices as skipped (opening a pipe would wait for a writer forever).
pub fn walk<'a>(
    inputs: &'a [PathBuf],
    exclude: Option<PathBuf>,
) -> impl Iterator<Item = Result<InputFile, NotRead>> + 'a {
    inputs.iter().flat_map(move |input| {
        let exclude = exclude.clone();
        let walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(move |e| {
                let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
                // Only a folder can be the index folder: no path resolution for every file.
                let excluded = e.file_type().is_dir()
                    && exclude
                        .as_ref()
                        .is_some_and(|x| e.path().canonicalize().is_ok_and(|p| &p == x));
                !hidden && !excluded
            });
        // Resolving a path costs a system call per component: resolve each folder once and
        // append the file name (a file that is itself a symbolic link is resolved on its own).
        let mut folder: Option<(PathBuf, PathBuf)> = None;
        walker.filter_map(move |entry| match entry {
            Ok(e) if e.file_type().is_file() => {
                let path = e.path();
                let resolved = match (path.parent(), path.file_name()) {
                    (Some(parent), Some(name)) if !e.path_is_symlink() => {
                        if folder.as_ref().is_none_or(|(p, _)| p != parent) {
                            let canon = parent.canonicalize().unwrap_or(parent.to_path_buf());
                            folder = Some((parent.to_path_buf(), canon));
                        }
                        folder.as_ref().map(|(_, canon)| canon.join(name))
                    }
                    _ => path.canonicalize().ok(),
                };
                Some(Ok(InputFile {
                    display: path.display().to_string(),
                    path: path.to_path_buf(),
                    canonical: resolved.unwrap_or(path.to_path_buf()).display().to_string(),
                }))
            }
            Ok(e) if e.file_type().is_dir() => None,
            Ok(e) => Some(Err(NotRead::Skipped(FileIssue {
                path: e.path().display().to_string(),
                reason: format!("not a regular file ({})", special_kind(e.file_type())),
            }))),
            Err(e) => Some(Err(NotRead::Failed(FileIssue {
                path: e.path().unwrap_or(input.as_path()).display().to_string(),
                reason: match e.io_error() {
                    Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
                        "no such file or directory".to_string()
                    }
                    _ => e.to_string(),
                },
            }))),
        })
    })
}

/// What a path that is neither a file nor a folder is, in words.
#[cfg(unix)]
fn special_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: std::fs::FileType) -> &'static str {
    "a special file"
}

/// The records of one file, ready for the writer.
struct FileRecords {
    display: String,
    canonical: String,
    hash: String,
    records: Vec<(Record, SearchTokens)>,
    /// The file was in the index with other content.
    changed: bool,
}

/// What became of one file after the parallel stage.
enum Outcome {
    Records(FileRecords),
    Skipped(FileIssue),
    Failed(FileIssue),
}

#[derive(Default)]
struct StageClock {
    read: AtomicU64,
    decode: AtomicU64,
    extract: AtomicU64,
    segment: AtomicU64,
    classify: AtomicU64,
}

impl StageClock {
    fn add(counter: &AtomicU64, since: Instant) -> Instant {
        let now = Instant::now();
        counter.fetch_add((now - since).as_nanos() as u64, Ordering::Relaxed);
        now
    }
    fn secs(counter: &AtomicU64) -> f64 {
        counter.load(Ordering::Relaxed) as f64 / 1e9
    }
}

/// Bytes of a chunk's files read ahead of the workers at most; past it, and for files over
/// [`READ_AHEAD_FILE_MAX`], the workers read the files themselves.
const READ_AHEAD_BYTES: u64 = 64 << 20;
const READ_AHEAD_FILE_MAX: u64 = 8 << 20;
/// Threads reading files ahead of the workers. A read waits for the disk, not a core: at a
/// million letters the workers' own reads took 108–205 of their 518–635 thread-seconds (the kernel
/// had evicted part of the archive), leaving cores idle.
const READ_AHEAD_THREADS: usize = 4;

/// A walked file, with its content if it was read ahead.
struct Walked {
    file: Result<InputFile, NotRead>,
    bytes: Option<std::io::Result<Vec<u8>>>,
}

/// Read the files of the next chunk on the read-ahead pool, within [`READ_AHEAD_BYTES`].
fn read_ahead(pool: &rayon::ThreadPool, chunk: Vec<Result<InputFile, NotRead>>) -> Vec<Walked> {
    let budget = AtomicU64::new(READ_AHEAD_BYTES);
    let read = |path: &Path| -> Option<std::io::Result<Vec<u8>>> {
        if budget.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        let size = match file.metadata() {
            Ok(m) if m.len() > READ_AHEAD_FILE_MAX => return None,
            Ok(m) => m.len(),
            Err(e) => return Some(Err(e)),
        };
        let mut bytes = Vec::with_capacity(size as usize);
        if let Err(e) = std::io::Read::read_to_end(&mut file, &mut bytes) {
            return Some(Err(e));
        }
        let n = bytes.len() as u64;
        let _ = budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
            Some(b.saturating_sub(n))
        });
        Some(Ok(bytes))
    };
    pool.install(|| {
        chunk
            .into_par_iter()
            .map(|file| {
                let bytes = file.as_ref().ok().and_then(|f| read(&f.path));
                Walked { file, bytes }
            })
            .collect()
    })
}

/// Read (unless `bytes` were read ahead), sniff, parse, extract, segment and classify one file.
fn process_file(
    engine: &Engine,
    manifest: &Manifest,
    file: InputFile,
    bytes: Option<std::io::Result<Vec<u8>>>,
    clock: &StageClock,
) -> (Outcome, u64) {
    let t = Instant::now();
    let bytes = match bytes.unwrap_or_else(|| std::fs::read(&file.path)) {
        Ok(b) => b,
        Err(e) => {
            return (
                Outcome::Failed(FileIssue {
                    path: file.display,
                    reason: format!("cannot read: {e}"),
                }),
                0,
            )
        }
    };
    let size = bytes.len() as u64;
    let canonical = file.canonical;
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let previous = manifest.hash_of(&canonical);
    if previous == Some(hash.as_str()) {
        return (
            Outcome::Skipped(FileIssue {
                path: file.display,
                reason: "unchanged since the last ingest".into(),
            }),
            size,
        );
    }
    let t = StageClock::add(&clock.read, t);
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ingest::read(
            &file.display,
            &file.path,
            &bytes,
            &engine.synonyms,
            engine.ocr,
        )
    }))
    .unwrap_or_else(|_| {
        Err(Problem::Fail(
            "internal error while reading this file".into(),
        ))
    });
    let mut t = StageClock::add(&clock.decode, t);
    drop(bytes);
    let records = match read {
        Ok(records) => records,
        Err(Problem::Skip(reason)) => {
            return (
                Outcome::Skipped(FileIssue {
                    path: file.display,
                    reason,
                }),
                size,
            )
        }
        Err(Problem::Fail(reason)) => {
            return (
                Outcome::Failed(FileIssue {
                    path: file.display,
                    reason,
                }),
                size,
            )
        }
    };
    let mut out = Vec::with_capacity(records.len());
    for mut record in records {
        let tokens = engine.process_with(&mut record, &canonical, |stage| {
            let counter = match stage {
                Stage::Extract => &clock.extract,
                Stage::Segment => &clock.segment,
                Stage::Classify => &clock.classify,
            };
            t = StageClock::add(counter, t);
        });
        out.push((record, tokens));
    }
    (
        Outcome::Records(FileRecords {
            display: file.display,
            canonical,
            hash,
            records: out,
            changed: previous.is_some(),
        }),
        size,
    )
}

/// The writer side of a run: tantivy writer, manifest, linker, failure log.
struct Writer<'a> {
    engine: &'a Engine,
    store: &'a Store,
    writer: IndexWriter,
    manifest: &'a Manifest,
    linker: Linker,
    pending: Vec<Entry>,
    since_commit: usize,
    dirty_start: bool,
    link_time: Duration,
    /// Archived records read since the store's reader was last reopened.
    fetched_since_reopen: usize,
    /// The last commit's linking state and manifest entries being written ([`Writer::saved`]).
    saving: Option<std::thread::JoinHandle<Result<(), PipelineError>>>,
    /// Link updates to records outside the current batch, applied at the next commit.
    deferred: HashMap<String, RecordUpdate>,
    failure_log: std::fs::File,
    options: &'a IngestOptions,
}

impl Writer<'_> {
    fn log_failure(&mut self, issue: &FileIssue) {
        let stamp = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        // The failure log is a convenience copy of what the summary reports; an error writing it
        // must not stop the run.
        let _ = writeln!(
            self.failure_log,
            "{stamp}\t{}\t{}",
            issue.path, issue.reason
        );
    }

    /// Add the records of a chunk of files: replace changed files' old records, link the whole
    /// chunk at once (one linking call per chunk, not per file), then index.
    fn add_files(&mut self, files: Vec<FileRecords>) -> Result<(), PipelineError> {
        let store = self.store;
        let t = Instant::now();
        let mut batch: Vec<Record> = Vec::new();
        let mut tokens: Vec<(SearchTokens, String)> = Vec::new();
        for file in &files {
            if file.changed || self.dirty_start {
                let old = self.ids_of_file(&file.canonical)?;
                let updates = self.linker.remove(&old);
                self.writer.delete_term(store.file_term(&file.canonical));
                self.apply_updates(updates, &mut batch);
            }
        }
        for file in files {
            let key = file_key(&file.canonical);
            self.pending.push(Entry {
                path: file.canonical,
                hash: file.hash,
                records: file.records.len(),
            });
            for (record, t) in file.records {
                batch.push(record);
                tokens.push((t, key.clone()));
            }
        }
        let searcher = store.searcher()?;
        let fetched = AtomicUsize::new(0);
        let archived_text = |id: &str| {
            fetched.fetch_add(1, Ordering::Relaxed);
            store.text_by_id(&searcher, id).ok().flatten()
        };
        let updates = self
            .linker
            .link_batch_with_texts(&mut batch, &archived_text);
        drop(searcher);
        // Each archived letter fetched to verify a near-duplicate maps a block of the record
        // store into memory, and the blocks stay resident for as long as the reader lives: by a
        // million letters that was 1.5 GB of the run's peak RSS. A fresh reader every few
        // thousand fetches (a few milliseconds to open) keeps it small.
        self.fetched_since_reopen += fetched.into_inner();
        if self.fetched_since_reopen >= REOPEN_AFTER_FETCHES {
            store.reload();
            self.fetched_since_reopen = 0;
        }
        self.link_time += t.elapsed();
        self.apply_updates(updates, &mut batch);
        // Documents (the record serialised to JSON, the token lists) are built in parallel: on
        // this single writer thread they were a large part of what paced the whole run.
        let documents: Vec<_> = batch
            .into_par_iter()
            .zip(tokens)
            .map(|(record, (words, key))| store.document(record, &words, &key))
            .collect();
        for document in documents {
            self.writer.add_document(document)?;
        }
        Ok(())
    }

    /// Record ids of a file's records in the committed index.
    fn ids_of_file(&self, canonical: &str) -> Result<Vec<String>, PipelineError> {
        let searcher = self.store.searcher()?;
        Ok(self
            .store
            .ids_matching(&searcher, self.store.file_term(canonical))?)
    }

    /// Records already in the archive whose links changed because of the new batch: a record
    /// of the batch is changed in place; any other is rewritten at the next commit, when it is
    /// sure to be visible in the index (it may have been added earlier in this run).
    fn apply_updates(&mut self, updates: Vec<RecordUpdate>, batch: &mut [Record]) {
        for update in updates {
            match batch.iter_mut().find(|r| r.id == update.id) {
                Some(r) => update.apply(r),
                None => {
                    self.deferred.insert(update.id.clone(), update);
                }
            }
        }
    }

    /// Rewrite the committed records with deferred link updates (the latest update of each).
    fn rewrite_deferred(&mut self) -> Result<bool, PipelineError> {
        if self.deferred.is_empty() {
            return Ok(false);
        }
        let searcher = self.store.searcher()?;
        for (id, update) in std::mem::take(&mut self.deferred) {
            let Some((mut record, key)) = self.store.record_by_id(&searcher, &id)? else {
                continue; // removed since
            };
            update.apply(&mut record);
            let text = crate::store::indexed_text(&record);
            let words = self.engine.segmenter.segment(&text).search;
            self.writer.delete_term(self.store.id_term(&id));
            self.writer
                .add_document(self.store.document(record, &words, &key))?;
        }
        Ok(true)
    }

    fn commit(&mut self, progress: &dyn Progress) -> Result<(), PipelineError> {
        progress.committing();
        self.writer.commit()?;
        self.store.reload();
        if self.rewrite_deferred()? {
            self.writer.commit()?;
            self.store.reload();
        }
        self.linker.texts_readable();
        // The linking state and the manifest are written on their own thread while the run goes
        // on (at a million letters the state is 120 MB, written and synced at every commit). The
        // next commit waits for them first, so the index is never more than one commit ahead of
        // them: what it always was between a commit and the save after it, and what a re-run
        // after a kill mends (files the manifest lacks are read again, their records replaced).
        self.saved()?;
        let state = self.linker.snapshot();
        let entries = std::mem::take(&mut self.pending);
        let dir = self.options.index_dir.clone();
        let manifest_file = self.manifest.path().to_path_buf();
        self.saving = Some(std::thread::spawn(move || {
            state
                .save(&dir.join("link"))
                .map_err(|e| PipelineError::Link(e.to_string()))?;
            manifest::append_to(&manifest_file, &entries).map_err(io_err(&dir))
        }));
        self.since_commit = 0;
        Ok(())
    }

    /// Wait until the last commit's linking state and manifest entries are on disk.
    fn saved(&mut self) -> Result<(), PipelineError> {
        match self.saving.take() {
            Some(saving) => saving
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => Ok(()),
        }
    }
}

/// Ingest `inputs` into the index of `options.index_dir`.
pub fn ingest(
    engine: &Engine,
    inputs: &[PathBuf],
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestSummary, PipelineError> {
    let started = Instant::now();
    let dir = &options.index_dir;
    let store = Store::open_or_create(dir)?;
    let manifest = Manifest::open(dir).map_err(io_err(dir))?;
    let lock = dir.join(LOCK_FILE);
    let dirty_start = lock.exists();
    std::fs::write(&lock, std::process::id().to_string()).map_err(io_err(dir))?;
    let failure_log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(FAILURE_LOG))
        .map_err(io_err(dir))?;
    let linker = Linker::open(&dir.join("link")).map_err(|e| PipelineError::Link(e.to_string()))?;
    let writer = store
        .index
        .writer_with_num_threads(options.writer_threads, options.writer_memory)?;
    writer.set_merge_policy(Box::new(merge_policy()));
    let mut w = Writer {
        engine,
        store: &store,
        writer,
        manifest: &manifest,
        linker,
        pending: Vec::new(),
        since_commit: 0,
        dirty_start,
        link_time: Duration::ZERO,
        fetched_since_reopen: 0,
        deferred: HashMap::new(),
        saving: None,
        failure_log,
        options,
    };

    let exclude = dir.canonicalize().ok();
    let total = if progress.wants_total() {
        walk(inputs, exclude.clone()).count() as u64
    } else {
        0
    };
    progress.start(total);

    let pool = |threads: usize, name: &'static str| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("xinfang-{name}-{i}"))
            .build()
            .map_err(|e| PipelineError::Io {
                path: dir.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            })
    };
    let writer_pool = pool(rayon::current_num_threads(), "writer")?;
    let read_pool = pool(READ_AHEAD_THREADS, "read")?;
    let mut summary = IngestSummary::default();
    let clock = StageClock::default();
    // Wall time of the writer (linking and indexing); linking is timed on its own.
    let mut link_index_time = Duration::ZERO;
    let bytes = AtomicU64::new(0);
    let (tx, rx) = crossbeam_channel::bounded::<Vec<Outcome>>(2);
    let result: Result<(), PipelineError> = std::thread::scope(|scope| {
        let manifest = &manifest;
        let clock = &clock;
        let bytes = &bytes;
        let exclude = exclude.clone();
        // Walking and reading ahead: the next chunk's files are read while the workers process
        // this one.
        let (read_tx, read_rx) = crossbeam_channel::bounded::<Vec<Walked>>(1);
        scope.spawn(move || {
            let mut files = walk(inputs, exclude).peekable();
            while files.peek().is_some() {
                let chunk: Vec<_> = files.by_ref().take(options.chunk_files).collect();
                if read_tx.send(read_ahead(&read_pool, chunk)).is_err() {
                    break; // the writer stopped on an error
                }
            }
        });
        scope.spawn(move || {
            for chunk in read_rx {
                let outcomes: Vec<Outcome> = chunk
                    .into_par_iter()
                    .map(|walked| match walked.file {
                        Err(NotRead::Skipped(issue)) => Outcome::Skipped(issue),
                        Err(NotRead::Failed(issue)) => Outcome::Failed(issue),
                        Ok(file) => {
                            let (outcome, size) =
                                process_file(engine, manifest, file, walked.bytes, clock);
                            bytes.fetch_add(size, Ordering::Relaxed);
                            outcome
                        }
                    })
                    .collect();
                if tx.send(outcomes).is_err() {
                    break; // the writer stopped on an error
                }
            }
        });
        for outcomes in rx {
            let t = Instant::now();
            let mut files = Vec::new();
            for outcome in outcomes {
                summary.files += 1;
                match outcome {
                    Outcome::Skipped(issue) => {
                        progress.file_done(&issue.path);
                        summary.skipped.push(issue);
                    }
                    Outcome::Failed(issue) => {
                        progress.file_done(&issue.path);
                        w.log_failure(&issue);
                        summary.failed.push(issue);
                    }
                    Outcome::Records(file) => {
                        let n = file.records.len();
                        summary.ocr_records += file
                            .records
                            .iter()
                            .filter(|(r, _)| r.source.format == Some(Format::Ocr))
                            .count();
                        w.since_commit += n;
                        summary.records += n;
                        summary.ingested += 1;
                        summary.replaced += usize::from(file.changed);
                        progress.file_done(&file.display);
                        files.push(file);
                    }
                }
            }
            // The writer's parallel work (fingerprints, link candidates, documents) runs on its
            // own pool: on the global pool it queued behind the workers' whole next chunk, which
            // kept the writer waiting most of the run (at 1M letters the CPUs were idle 28 % of the
            // time). The OS shares the two cores between both pools.
            writer_pool.install(|| w.add_files(files))?;
            if w.since_commit >= options.commit_every {
                writer_pool.install(|| w.commit(progress))?;
            }
            link_index_time += t.elapsed();
        }
        Ok(())
    });
    result?;
    let t = Instant::now();
    writer_pool.install(|| w.commit(progress))?;
    w.saved()?;
    w.writer.wait_merging_threads()?;
    link_index_time += t.elapsed();
    std::fs::remove_file(&lock).map_err(io_err(dir))?;
    progress.finish();

    summary.total_records = store.searcher()?.num_docs();
    summary.bytes = bytes.load(Ordering::Relaxed);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.peak_rss_bytes = peak_rss_bytes();
    summary.stages = StageTimes {
        read: StageClock::secs(&clock.read),
        decode: StageClock::secs(&clock.decode),
        extract: StageClock::secs(&clock.extract),
        segment: StageClock::secs(&clock.segment),
        classify: StageClock::secs(&clock.classify),
        link: w.link_time.as_secs_f64(),
        index: (link_index_time - w.link_time).as_secs_f64(),
    };
    Ok(summary)
}

/// A file read and processed (extracted, segmented, classified) without touching an index.
pub struct ReadFile {
    pub path: String,
    pub records: Result<Vec<Record>, Problem>,
}

/// Read and process `inputs` in parallel, in walk order, without indexing them (for
/// `xinfang classify`, `similar FILE` and `train`). `process` runs extraction and
/// classification; without it records are as the format reader made them.
pub fn read_files(engine: &Engine, inputs: &[PathBuf], process: bool) -> Vec<ReadFile> {
    let files: Vec<Result<InputFile, NotRead>> = walk(inputs, None).collect();
    files
        .into_par_iter()
        .map(|item| match item {
            Err(NotRead::Skipped(issue)) => ReadFile {
                path: issue.path,
                records: Err(Problem::Skip(issue.reason)),
            },
            Err(NotRead::Failed(issue)) => ReadFile {
                path: issue.path,
                records: Err(Problem::Fail(issue.reason)),
            },
            Ok(file) => {
                let records = std::fs::read(&file.path)
                    .map_err(|e| Problem::Fail(format!("cannot read: {e}")))
                    .and_then(|bytes| {
                        ingest::read(
                            &file.display,
                            &file.path,
                            &bytes,
                            &engine.synonyms,
                            engine.ocr,
                        )
                    })
                    .map(|mut records| {
                        if process {
                            for r in &mut records {
                                engine.process(r, &file.canonical);
                            }
                        }
                        records
                    });
                ReadFile {
                    path: file.display,
                    records,
                }
            }
        })
        .collect()
}

/// Peak resident set size of this process (`VmHWM` in `/proc/self/status`), on Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    proc_kilobytes("/proc/self/status", "VmHWM:")
}
