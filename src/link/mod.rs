//! Linking (关联): who is the same petitioner, which letters are copies of one another, and which
//! petitions repeat an earlier one on the same matter.
//!
//! Why it exists: a petition office counts people and matters, not pieces of paper. The [`Linker`]
//! keeps a compact memory of the whole archive (see [`state`]) and links every new batch against all
//! of it: petitioners by blocking + Fellegi–Sunter scoring + constrained clustering ([`petitioner`]),
//! duplicate letters by normalised-text hash and MinHash LSH with verification ([`duplicate`]), and
//! repeat petitions by grouping a person's records by matter ([`repeat`]). It fills each record's
//! `petitioner_id`, `duplicate_of`, the `repeat` / `duplicate` flags and their evidence, and reports
//! the changes that a batch causes to records already in the archive.
//!
//! What it must never do: compare all pairs (every step is driven by index look-ups with bounded
//! candidate lists); merge two different valid ID numbers; merge different names on a shared phone
//! alone; drop a duplicate (duplicates are marked and listed); change a petitioner's id when new
//! batches arrive (ids are anchored to a record, the older cluster's id wins a merge); leave a
//! half-written state file (saving is atomic).
//!
//! Where its data comes from: extracted and classified [`Record`]s from the pipeline, and — for exact
//! verification of near-duplicates against archived letters — the texts the caller's text source
//! returns (the search index). Without a text source, archived letters are compared by their sketch.

pub mod metrics;

mod duplicate;
mod petitioner;
mod repeat;
mod state;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::record::{Level, Record};
use state::{
    DupEdge, In, Interner, KeyIndex, Mention, Out, PersonEdge, PidSlot, RecId, RecordFacts,
    U32Table, F_DUPLICATE, F_ID_TEXT, F_REMOVED, F_REPEAT, F_SHORT, LEVEL_SHIFT, NONE, NO_CATEGORY,
    NO_DAY, SKETCH,
};

/// The flag set on every record after the first of a matter group of one petitioner.
pub const FLAG_REPEAT: &str = "repeat";
/// The flag set on every copy of a letter but the earliest.
pub const FLAG_DUPLICATE: &str = "duplicate";
/// `flag_evidence` key listing all petitioner ids of a joint letter (one per co-signer, in the
/// order of `petitioners`), until `Record` has a field of its own for them.
pub const EVIDENCE_PETITIONER_IDS: &str = "petitioner_ids";

/// Why linking state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("linking state I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("linking state is damaged: {0}")]
    Corrupt(String),
}

/// A change a batch (or a removal) made to a record already in the archive: the pipeline rewrites
/// that record with these values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordUpdate {
    pub id: String,
    pub petitioner_id: Option<String>,
    /// One id per petitioner (co-signers of a joint letter), in the order of `petitioners`.
    pub petitioner_ids: Vec<String>,
    pub duplicate_of: Option<String>,
    pub flags_add: Vec<String>,
    pub flags_remove: Vec<String>,
    /// New evidence for the linker's flags (`repeat`, `duplicate`, `petitioner_ids`); a key absent
    /// here but present on the record is to be removed when its flag is in `flags_remove`.
    pub flag_evidence: BTreeMap<String, Vec<String>>,
}

impl RecordUpdate {
    /// Apply this change to the record it names. The result depends only on the update, not on
    /// the record's earlier link fields (every linker flag has evidence exactly when it is set),
    /// so applying the latest update of a record is enough, in any state of the record.
    pub fn apply(&self, record: &mut Record) {
        record.petitioner_id = self.petitioner_id.clone();
        record.duplicate_of = self.duplicate_of.clone();
        record
            .flags
            .retain(|f| f != FLAG_REPEAT && f != FLAG_DUPLICATE);
        for key in [FLAG_REPEAT, FLAG_DUPLICATE, EVIDENCE_PETITIONER_IDS] {
            record.flag_evidence.remove(key);
        }
        for flag in [FLAG_REPEAT, FLAG_DUPLICATE] {
            if self.flag_evidence.contains_key(flag) {
                record.flags.push(flag.to_string());
            }
        }
        record.flag_evidence.extend(self.flag_evidence.clone());
    }
}

/// One accepted petitioner link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkEvidence {
    pub record: String,
    pub linked_to: String,
    /// Match weight in bits (sum of log₂ Bayes factors).
    pub score: f32,
    /// Fields that agree (`id_number`, `id_number≈`, `birth_date`, `phone`, `account`, `name`,
    /// `name≈`, `village`, `township`, `category`).
    pub agreeing: Vec<String>,
}

/// The records of one petitioner on one matter, in time order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatterGroup {
    pub category: Option<String>,
    pub records: Vec<String>,
    pub count: usize,
    /// Levels reached, lowest first.
    pub levels: Vec<Level>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
}

/// One petitioner (a cluster of mentions) and the evidence that holds it together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PetitionerGroup {
    pub id: String,
    /// Distinct names as written (normalised), most frequent first.
    pub names: Vec<String>,
    /// Record ids in time order (undated last).
    pub records: Vec<String>,
    pub evidence: Vec<LinkEvidence>,
    pub matters: Vec<MatterGroup>,
}

/// One verified duplicate link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateEvidence {
    pub record: String,
    pub duplicate_of: String,
    /// Jaccard similarity of the normalised bodies' trigram sets (1.0 for exact copies).
    pub similarity: f32,
    pub exact: bool,
}

/// The copies of one letter, earliest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    pub id: String,
    pub records: Vec<String>,
    pub evidence: Vec<DuplicateEvidence>,
}

/// The linker: the compact state of the whole archive and the operations on it.
#[derive(Default)]
pub struct Linker {
    /// Record ids that are not 16 hex digits (see [`RecordFacts::id_lo`]).
    id_text: Interner,
    /// Records by id (the newest record of an id replaces older ones).
    id_table: U32Table,
    records: Vec<RecordFacts>,
    sketches: Vec<state::Sketch>,
    dup_edges: Vec<DupEdge>,
    mentions: Vec<Mention>,
    pedges: Vec<PersonEdge>,
    pids: Vec<PidSlot>,
    /// Petitioner slots by `PidSlot::hash`.
    pid_table: U32Table,
    names: Interner,
    name_counts: Vec<u32>,
    places: Interner,
    place_counts: Vec<u32>,
    categories: Interner,
    person_index: KeyIndex,
    lsh_index: KeyIndex,
    live_records: usize,
    live_mentions: usize,
    /// Shingles of the records linked since the text source last caught up
    /// ([`Linker::texts_readable`]): a near-duplicate candidate among them is verified exactly
    /// although its text cannot be fetched yet (an ingest commits every 100,000 records).
    unread: HashMap<u32, Box<[u32]>>,
}

/// What a record shows of the linker's work, to compare before and after a change.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    pids: Vec<Option<String>>,
    dup_of: Option<String>,
    repeat: bool,
    duplicate: bool,
}

/// Records whose shingles are kept while their text cannot be read back: two commit windows of
/// the ingest's default 100,000 records (~240 MB at most).
const UNREAD_CAP: usize = 200_000;

/// Version of the encoded state: 2 added online accounts and presence bits for mention facts; 3
/// narrowed it (8-bit sketches, numeric record ids, no petitioner sequence numbers); 4 computes
/// the sketches by one-permutation hashing (those of version 3 do not compare with them); 5 keeps a
/// record's second category beside its primary one; 6 keeps no second category that weighs much
/// less than the primary (see [`repeat::SECOND_CATEGORY_SHARE`]).
const STATE_VERSION: u32 = 6;

// Mention byte on disk: ID kind in the low two bits, then which optional facts follow.
const M_ID_KIND: u8 = 0x03;
const M_PHONE: u8 = 0x04;
const M_ACCOUNT: u8 = 0x08;
const M_REPEAT: u8 = 0x80;

const LEVELS: [Level; 4] = [Level::County, Level::City, Level::Province, Level::National];

/// A linking state encoded by [`Linker::snapshot`].
pub struct Snapshot(Vec<u8>);

impl Snapshot {
    /// [`Linker::save`] of the state as it was when the snapshot was taken.
    pub fn save(&self, dir: &Path) -> Result<(), LinkError> {
        state::write_atomic(dir, &self.0)
    }
}

/// An older record that may be a duplicate of a new one, after the checks that need no text.
enum DupCandidate {
    /// The same text.
    Exact(u32),
    /// Near by the sketch estimate: to be verified on both texts' shingles where they can be had.
    Near { to: u32, estimate: f32 },
}

fn level_code(l: Option<Level>) -> u8 {
    match l {
        None => 0,
        Some(Level::County) => 1,
        Some(Level::City) => 2,
        Some(Level::Province) => 3,
        Some(Level::National) => 4,
    }
}

impl Linker {
    /// An empty linker (a new archive).
    pub fn new() -> Linker {
        Linker {
            lsh_index: KeyIndex::keyless(),
            ..Default::default()
        }
    }

    /// The LSH entries (`band key << 32 | record`) of every live record, to (re)build the keyless
    /// LSH index: its keys are not stored, since they follow from the sketches in memory.
    fn lsh_words(&self) -> Vec<u64> {
        (0..self.records.len() as u32)
            .into_par_iter()
            .filter(|&r| self.is_live(r))
            .flat_map_iter(|r| {
                duplicate::band_keys(&self.sketches[r as usize])
                    .into_iter()
                    .map(move |k| ((k as u64) << 32) | r as u64)
            })
            .collect()
    }

    /// Whether record `r`'s sketch has LSH band key `key` (confirms a keyless index candidate).
    /// Mention `m`'s accepted links to older mentions: from its `edge_start` to the next
    /// mention's (links are appended in mention order; a mention not linked yet has none).
    fn person_edges(&self, m: u32) -> &[PersonEdge] {
        let start = self.mentions[m as usize].edge_start as usize;
        let end = self
            .mentions
            .get(m as usize + 1)
            .map_or(self.pedges.len(), |n| n.edge_start as usize);
        &self.pedges[start..end.max(start)]
    }

    /// Whether record `r`'s sketch has `key` in `band` (the LSH index keeps no keys).
    fn in_band(&self, r: u32, band: usize, key: u32) -> bool {
        self.sketches
            .get(r as usize)
            .is_some_and(|s| duplicate::band_key(s, band) == key)
    }

    /// Number of live records known.
    pub fn len(&self) -> usize {
        self.live_records
    }

    pub fn is_empty(&self) -> bool {
        self.live_records == 0
    }

    /// Approximate heap bytes of the in-memory state (facts, strings and key indexes).
    pub fn memory_bytes(&self) -> usize {
        self.id_text.heap_bytes()
            + self.id_table.heap_bytes()
            + self.records.capacity() * std::mem::size_of::<RecordFacts>()
            + self.sketches.capacity() * SKETCH
            + self.dup_edges.capacity() * std::mem::size_of::<DupEdge>()
            + self.mentions.capacity() * std::mem::size_of::<Mention>()
            + self.pedges.capacity() * std::mem::size_of::<PersonEdge>()
            + self.pids.capacity() * std::mem::size_of::<PidSlot>()
            + self.pid_table.heap_bytes()
            + self.names.heap_bytes()
            + self.name_counts.capacity() * 4
            + self.places.heap_bytes()
            + self.place_counts.capacity() * 4
            + self.categories.heap_bytes()
            + self.person_index.heap_bytes()
            + self.lsh_index.heap_bytes()
            + self.unread_bytes()
    }

    /// Heap bytes of the shingles kept until the text source catches up.
    fn unread_bytes(&self) -> usize {
        self.unread.capacity() * (4 + std::mem::size_of::<Box<[u32]>>())
            + self.unread.values().map(|s| s.len() * 4).sum::<usize>()
    }

    /// [`Linker::memory_bytes`] by part, for diagnostics (name, bytes).
    pub fn memory_breakdown(&self) -> Vec<(&'static str, usize)> {
        vec![
            (
                "record_ids",
                self.id_text.heap_bytes() + self.id_table.heap_bytes(),
            ),
            (
                "records",
                self.records.capacity() * std::mem::size_of::<RecordFacts>(),
            ),
            ("sketches", self.sketches.capacity() * SKETCH),
            (
                "dup_edges",
                self.dup_edges.capacity() * std::mem::size_of::<DupEdge>(),
            ),
            (
                "mentions",
                self.mentions.capacity() * std::mem::size_of::<Mention>(),
            ),
            (
                "pedges",
                self.pedges.capacity() * std::mem::size_of::<PersonEdge>(),
            ),
            (
                "pids",
                self.pids.capacity() * std::mem::size_of::<PidSlot>() + self.pid_table.heap_bytes(),
            ),
            (
                "names+places+categories",
                self.names.heap_bytes()
                    + self.name_counts.capacity() * 4
                    + self.places.heap_bytes()
                    + self.place_counts.capacity() * 4
                    + self.categories.heap_bytes(),
            ),
            ("person_index", self.person_index.heap_bytes()),
            ("lsh_index", self.lsh_index.heap_bytes()),
            ("unread_shingles", self.unread_bytes()),
        ]
    }

    // -----------------------------------------------------------------------------------------
    // Small accessors
    // -----------------------------------------------------------------------------------------

    fn rec_id(&self, r: u32) -> RecId<'_> {
        let f = &self.records[r as usize];
        if f.flags & F_ID_TEXT != 0 {
            RecId::Text(self.id_text.resolve(f.id() as u32))
        } else {
            RecId::Hex(f.id())
        }
    }

    /// The stored form of a record id (number or text symbol) and its hash in `id_table`, or
    /// `None` for a text id never seen.
    fn id_key(&self, id: &str) -> Option<(u64, bool, u64)> {
        match state::parse_hex_id(id) {
            Some(v) => Some((v, false, state::mix64(v))),
            None => {
                let sym = self.id_text.get(id)? as u64;
                Some((sym, true, state::mix64(sym ^ 0x7465_7874)))
            }
        }
    }

    fn id_hash(f: &RecordFacts) -> u64 {
        if f.flags & F_ID_TEXT != 0 {
            state::mix64(f.id() ^ 0x7465_7874)
        } else {
            state::mix64(f.id())
        }
    }

    fn has_id(&self, r: u32, v: u64, text: bool) -> bool {
        let f = &self.records[r as usize];
        f.id() == v && (f.flags & F_ID_TEXT != 0) == text
    }

    /// Points `id_table` at record `r` for its id.
    fn index_id(&mut self, r: u32) {
        let f = &self.records[r as usize];
        let (v, text, h) = (f.id(), f.flags & F_ID_TEXT != 0, Self::id_hash(f));
        let records = &self.records;
        self.id_table.insert(
            h,
            r,
            |x| {
                let g = &records[x as usize];
                g.id() == v && (g.flags & F_ID_TEXT != 0) == text
            },
            |x| Self::id_hash(&records[x as usize]),
        );
    }

    /// The record's mentions: from its `first_mention` to the next record's.
    fn mention_range(&self, r: u32) -> std::ops::Range<u32> {
        let start = self.records[r as usize].first_mention;
        let end = self
            .records
            .get(r as usize + 1)
            .map(|g| g.first_mention)
            .unwrap_or(self.mentions.len() as u32);
        start..end
    }

    fn is_live(&self, r: u32) -> bool {
        self.records
            .get(r as usize)
            .is_some_and(|f| f.flags & F_REMOVED == 0)
    }

    fn mention_live(&self, m: u32) -> bool {
        self.mentions
            .get(m as usize)
            .is_some_and(|x| self.is_live(x.record))
    }

    fn record_of_id(&self, id: &str) -> Option<u32> {
        let (v, text, h) = self.id_key(id)?;
        let r = self.id_table.find(h, |x| self.has_id(x, v, text))?;
        self.is_live(r).then_some(r)
    }

    fn sym_or_none(it: &Interner, s: Option<&str>) -> u32 {
        s.and_then(|s| it.get(s)).unwrap_or(NONE)
    }

    /// The facts `compare` needs of mention `m` (without the partner name, which only blocking
    /// reads: see [`Linker::person_keys`]).
    fn side(&self, m: u32) -> petitioner::Side<'_> {
        let x = &self.mentions[m as usize];
        let f = &self.records[x.record as usize];
        petitioner::Side {
            name: (x.name != NONE).then(|| self.names.resolve(x.name)),
            name_sym: x.name,
            partner: None,
            id: x.id,
            id_kind: x.id_kind(),
            phone: x.phone(),
            account: x.account(),
            township: f.township,
            village: f.village,
            category: f.category(),
        }
    }

    fn freq(&self) -> petitioner::Freq<'_> {
        petitioner::Freq {
            name_counts: &self.name_counts,
            place_counts: &self.place_counts,
            mentions: self.live_mentions,
            records: self.live_records,
        }
    }

    fn place_hash(&self, sym: u32) -> u64 {
        state::hash_str(self.places.resolve(sym))
    }

    /// Blocking keys of mention `m`, the first other person named on its letter included.
    fn person_keys(&self, m: u32, out: &mut Vec<u32>) {
        let x = &self.mentions[m as usize];
        let partner = self
            .mention_range(x.record)
            .filter(|&o| o != m)
            .map(|o| self.mentions[o as usize].name)
            .find(|&n| n != NONE && n != x.name);
        let side = petitioner::Side {
            partner: partner.map(|n| self.names.resolve(n)),
            ..self.side(m)
        };
        petitioner::blocking_keys(&side, |p| self.place_hash(p), out);
    }

    /// Sort key of a mention for anchoring: (date, record id, position on the record).
    fn mention_key(&self, m: u32) -> (i32, RecId<'_>, u32) {
        let x = &self.mentions[m as usize];
        let f = &self.records[x.record as usize];
        let day = if f.day == NO_DAY { i32::MAX } else { f.day };
        (day, self.rec_id(x.record), m - f.first_mention)
    }

    fn record_key(&self, r: u32) -> (i32, RecId<'_>) {
        let f = &self.records[r as usize];
        (
            if f.day == NO_DAY { i32::MAX } else { f.day },
            self.rec_id(r),
        )
    }

    fn pid_string(&self, p: u32) -> String {
        format!("P{}", state::base32_60(self.pids[p as usize].hash))
    }

    fn dup_group_string(&self, rep: u32) -> String {
        format!(
            "D{}",
            state::base32_60(state::hash_str(&self.rec_id(rep).to_string()) ^ 0x5155_504c)
        )
    }

    /// Members of a circular list starting at `start`, following `next` (at most 10,000,000:
    /// a damaged list must not loop forever).
    fn ring(start: u32, next: impl Fn(u32) -> u32) -> impl Iterator<Item = u32> {
        std::iter::successors(Some(start), move |&x| {
            let y = next(x);
            (y != start && y != NONE).then_some(y)
        })
        .take(10_000_000)
    }

    fn walk(start: u32, next: impl Fn(u32) -> u32) -> Vec<u32> {
        Self::ring(start, next).collect()
    }

    fn pid_members(&self, p: u32) -> Vec<u32> {
        let slot = &self.pids[p as usize];
        if slot.members == 0 || slot.anchor == NONE {
            return Vec::new();
        }
        Self::walk(slot.anchor, |m| self.mentions[m as usize].next)
            .into_iter()
            .filter(|&m| self.mention_live(m) && self.mentions[m as usize].pid == p)
            .collect()
    }

    fn dup_members(&self, r: u32) -> Vec<u32> {
        Self::walk(r, |x| self.records[x as usize].dup_next)
    }

    fn shown(&self, r: u32) -> Shown {
        let f = &self.records[r as usize];
        let pids = (self.mention_range(r))
            .map(|m| {
                let p = self.mentions[m as usize].pid;
                (p != NONE).then(|| self.pid_string(p))
            })
            .collect();
        Shown {
            pids,
            dup_of: (f.dup_rep != r && f.dup_rep != NONE)
                .then(|| self.rec_id(f.dup_rep).to_string()),
            repeat: f.flags & F_REPEAT != 0,
            duplicate: f.flags & F_DUPLICATE != 0,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Linking
    // -----------------------------------------------------------------------------------------

    /// Links a batch without access to archived texts: near-duplicates against records linked
    /// earlier are verified on the shingles the linker keeps of them, or by their sketches once
    /// [`Linker::texts_readable`] dropped those (see [`Linker::link_batch_with_texts`]).
    pub fn link_batch(&mut self, batch: &mut [Record]) -> Vec<RecordUpdate> {
        self.link_batch_with_texts(batch, &|_| None)
    }

    /// Links a batch of new (or re-ingested: same id → replaced) records against everything
    /// known. Fills each record's `petitioner_id`, `duplicate_of`, the `repeat`/`duplicate` flags
    /// and their evidence, and returns the changes to records already in the archive.
    ///
    /// `texts` returns the cleaned text (`Record.text`) of an archived record by id, or `None`;
    /// it is asked only for near-duplicate candidates, to verify them exactly.
    pub fn link_batch_with_texts(
        &mut self,
        batch: &mut [Record],
        texts: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Vec<RecordUpdate> {
        let mut snaps: HashMap<u32, Shown> = HashMap::default();
        let mut touched_pids: HashSet<u32> = HashSet::default();
        let mut touched_dups: HashSet<u32> = HashSet::default();

        // Replace re-ingested records (and repeated ids within the batch: the last one wins).
        let mut last_of: HashMap<String, usize> = HashMap::default();
        for (i, r) in batch.iter().enumerate() {
            last_of.insert(r.id.clone(), i);
        }
        let keep: Vec<usize> = (0..batch.len())
            .filter(|&i| last_of.get(batch[i].id.as_str()) == Some(&i))
            .collect();
        for &i in &keep {
            if let Some(old) = self.record_of_id(&batch[i].id) {
                self.remove_record(old, &mut snaps, &mut touched_pids, &mut touched_dups);
            }
        }

        // Fingerprints in parallel: the only per-record work that reads the whole text.
        let prints: Vec<(duplicate::Fingerprint, Box<[u32]>)> = keep
            .par_iter()
            .map(|&i| {
                let r = &batch[i];
                let names: Vec<&str> = r
                    .petitioners
                    .iter()
                    .filter_map(|p| p.name.as_deref())
                    .collect();
                let body = duplicate::normalise_body(&r.text, &names);
                let first = r
                    .petitioners
                    .iter()
                    .find_map(|p| p.name.as_deref().and_then(petitioner::normalise_name))
                    .unwrap_or_default();
                let identity = format!("{first}|{}", r.date.as_deref().unwrap_or(""));
                let fp = duplicate::fingerprint(&body, &identity);
                let sh = duplicate::compact(&fp.shingles);
                (fp, sh)
            })
            .collect();

        let first_new_record = self.records.len() as u32;
        let first_new_mention = self.mentions.len() as u32;
        let mut new_records: Vec<(u32, usize)> = Vec::with_capacity(keep.len());
        for (&i, (fp, sh)) in keep.iter().zip(prints) {
            let r = self.add_record(&batch[i], &fp);
            if !sh.is_empty() {
                self.unread.insert(r, sh);
            }
            new_records.push((r, i));
        }
        self.trim_unread(UNREAD_CAP);
        let new_mentions: Vec<u32> = (first_new_mention..self.mentions.len() as u32).collect();

        // Index the new records so that pairs within the batch are found too.
        let mut keys = Vec::new();
        let mut entries = Vec::new();
        for &m in &new_mentions {
            keys.clear();
            self.person_keys(m, &mut keys);
            entries.extend(keys.iter().map(|&k| ((k as u64) << 32) | m as u64));
        }
        self.person_index.extend(entries);
        let lsh_entries: Vec<u64> = new_records
            .iter()
            .flat_map(|&(r, _)| {
                duplicate::band_keys(&self.sketches[r as usize])
                    .into_iter()
                    .map(move |k| ((k as u64) << 32) | r as u64)
            })
            .collect();
        self.lsh_index.extend(lsh_entries);
        if self.lsh_index.wants_merge() {
            self.lsh_index = KeyIndex::keyless_from_unsorted(self.lsh_words());
        }

        // Petitioner links: each new mention against older mentions sharing a blocking key.
        let mut found: Vec<Vec<PersonEdge>> = new_mentions
            .par_iter()
            .map(|&m| self.person_links(m, Some(m)))
            .collect();

        // Duplicate links: each new record against older records sharing an LSH bucket or a
        // petitioner (as the links just found say: the new mentions have no petitioner yet).
        let candidates: Vec<Vec<DupCandidate>> = new_records
            .par_iter()
            .map(|&(r, _)| {
                let people = self.linked_records(r, &found, first_new_mention);
                self.duplicate_candidates(r, &people)
            })
            .collect();
        // Archived candidates are verified on their text, read once each (in parallel: a read
        // can wait for the disk) however many new records name them.
        let mut to_read: Vec<u32> = candidates
            .iter()
            .flatten()
            .filter_map(|c| match c {
                DupCandidate::Near { to, .. } if !self.unread.contains_key(to) => Some(*to),
                _ => None,
            })
            .collect();
        to_read.sort_unstable();
        to_read.dedup();
        let archived: HashMap<u32, Box<[u32]>> = to_read
            .into_par_iter()
            .filter_map(|c| {
                let text = texts(&self.rec_id(c).to_string())?;
                Some((c, self.shingles_of_archived(c, &text)))
            })
            .collect();
        let dups: Vec<Vec<DupEdge>> = new_records
            .par_iter()
            .zip(candidates)
            .map(|(&(r, _), cands)| self.duplicate_links(r, cands, &archived))
            .collect();
        // A letter sent again names the same people: a name on both copies is one person.
        for (&(r, _), edges) in new_records.iter().zip(&dups) {
            for m in self.mention_range(r) {
                let links = &mut found[(m - first_new_mention) as usize];
                if self.same_letter_links(m, edges, links) {
                    links.sort_unstable_by(|a, b| b.score.cmp(&a.score).then(a.to.cmp(&b.to)));
                    links.truncate(petitioner::EDGES_PER_MENTION);
                }
            }
        }

        for (&m, edges) in new_mentions.iter().zip(found) {
            let x = &mut self.mentions[m as usize];
            x.edge_start = self.pedges.len() as u32;
            for e in &edges {
                let p = self.mentions[e.to as usize].pid;
                if p != NONE {
                    touched_pids.insert(p);
                }
            }
            self.pedges.extend(edges);
        }
        let result_pids = self.recluster(&touched_pids, &new_mentions, &mut snaps);

        for (&(r, _), edges) in new_records.iter().zip(dups) {
            let f = &mut self.records[r as usize];
            f.dup_edge_start = self.dup_edges.len() as u32;
            f.dup_edge_count = edges.len() as u8;
            for e in &edges {
                touched_dups.insert(e.to);
            }
            self.dup_edges.extend(edges);
            touched_dups.insert(r);
        }
        self.regroup_duplicates(&touched_dups, &mut snaps);

        // Repeats for every petitioner whose membership may have changed.
        self.mark_repeats(&result_pids, &mut snaps);

        // Fill the batch and report changes to archived records.
        for &(r, i) in &new_records {
            self.fill(r, &mut batch[i]);
        }
        // Earlier copies of an id repeated within the batch get the same values as the last one.
        for (i, rec) in batch.iter_mut().enumerate() {
            let j = last_of.get(rec.id.as_str()).copied();
            if j.is_some_and(|j| j != i) {
                if let Some(r) = self.record_of_id(&rec.id) {
                    self.fill(r, rec);
                }
            }
        }
        self.trim_capacity();
        self.updates(snaps, first_new_record)
    }

    /// Gives back the growth slack of the per-record vectors when it exceeds a quarter, keeping an
    /// eighth as headroom so that a stream of small batches reallocates only every n/8 records.
    fn trim_capacity(&mut self) {
        fn trim<T>(v: &mut Vec<T>) {
            let n = v.len();
            if v.capacity() > n + n / 4 + 16 {
                v.shrink_to(n + n / 8);
            }
        }
        trim(&mut self.records);
        trim(&mut self.sketches);
        trim(&mut self.dup_edges);
        trim(&mut self.mentions);
        trim(&mut self.pedges);
        trim(&mut self.pids);
        trim(&mut self.name_counts);
        trim(&mut self.place_counts);
    }

    fn add_record(&mut self, rec: &Record, fp: &duplicate::Fingerprint) -> u32 {
        let r = self.records.len() as u32;
        let (id, id_flag) = match state::parse_hex_id(&rec.id) {
            Some(v) => (v, 0),
            None => (self.id_text.intern(&rec.id) as u64, F_ID_TEXT),
        };
        let mut intern_place = |s: Option<&str>| -> u32 {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => {
                    let sym = self.places.intern(s);
                    if self.place_counts.len() <= sym as usize {
                        self.place_counts.resize(sym as usize + 1, 0);
                    }
                    self.place_counts[sym as usize] += 1;
                    sym
                }
                None => NONE,
            }
        };
        let township = intern_place(rec.place.township.as_deref());
        let village = intern_place(rec.place.village.as_deref());
        let mut cats = [NO_CATEGORY; 2];
        let top = rec.categories.first().map_or(0.0, |c| c.score);
        for (slot, c) in cats.iter_mut().zip(&rec.categories) {
            let code = c.code.trim();
            // A second category stands for the matter only when it weighs about as much as the
            // primary.
            if !code.is_empty() && c.score >= top * repeat::SECOND_CATEGORY_SHARE {
                let sym = self.categories.intern(code);
                if sym < NO_CATEGORY as u32 {
                    *slot = sym as u8;
                }
            }
        }
        let first_mention = self.mentions.len() as u32;
        for p in &rec.petitioners {
            let name = p.name.as_deref().and_then(petitioner::normalise_name);
            let (id, id_kind) = petitioner::pack_person(p);
            let phone = p.phone.as_deref().map(petitioner::pack_phone).unwrap_or(0);
            let account = p
                .account
                .as_deref()
                .map(petitioner::pack_account)
                .unwrap_or(0);
            // A mention needs something to be recognised by: a name, an ID number, a phone or an
            // online account (messages of a web platform often carry the account alone).
            if name.is_none() && id_kind == 0 && phone == 0 && account == 0 {
                continue;
            }
            let name_sym = match name {
                Some(n) => {
                    let s = self.names.intern(&n);
                    if self.name_counts.len() <= s as usize {
                        self.name_counts.resize(s as usize + 1, 0);
                    }
                    self.name_counts[s as usize] += 1;
                    s
                }
                None => NONE,
            };
            let mut mention = Mention::new(r, name_sym, phone, account, id, id_kind);
            // No links yet: an empty run at the end of `pedges` (see `person_edges`).
            mention.edge_start = self.pedges.len() as u32;
            self.mentions.push(mention);
            self.live_mentions += 1;
            if self.mentions.len() - first_mention as usize >= u16::MAX as usize {
                break;
            }
        }
        self.records.push(RecordFacts {
            id_lo: id as u32,
            id_hi: (id >> 32) as u32,
            day: rec
                .date
                .as_deref()
                .map(state::parse_iso_day)
                .unwrap_or(NO_DAY),
            township,
            village,
            cats,
            flags: (if fp.short { F_SHORT } else { 0 })
                | (level_code(rec.addressee_level) << LEVEL_SHIFT)
                | id_flag,
            first_mention,
            text_hash: fp.text_hash as u32,
            dup_rep: r,
            dup_next: r,
            dup_edge_start: 0,
            dup_edge_count: 0,
        });
        self.sketches.push(fp.sketch);
        self.index_id(r);
        self.live_records += 1;
        r
    }

    /// The strongest accepted links of mention `m` to older mentions (`newest`: only mentions
    /// numbered below it count, so each pair is scored once).
    fn person_links(&self, m: u32, newest: Option<u32>) -> Vec<PersonEdge> {
        let side = self.side(m);
        let mut keys = Vec::new();
        self.person_keys(m, &mut keys);
        let record = self.mentions[m as usize].record;
        let others = self.cosigner_names(record, m);
        self.links_for_side(&side, &keys, record, &others, newest)
    }

    /// How many of `cosigners` (the other names on a new mention's letter) candidate `c`'s letter
    /// also names, when `c` has the mention's name and at least half of the smaller letter's other
    /// names recur — a group that writes again; else 0 (a large letter can share a common name or
    /// two with a small one by chance; `compare` asks for two or three, and for places that agree).
    fn shared_cosigners(&self, c: u32, name: u32, cosigners: &[u32]) -> u32 {
        if cosigners.is_empty() || self.mentions[c as usize].name != name {
            return 0;
        }
        let theirs = self.cosigner_names(self.mentions[c as usize].record, c);
        let n = cosigners.iter().filter(|n| theirs.contains(n)).count();
        if 2 * n >= cosigners.len().min(theirs.len()) {
            n as u32
        } else {
            0
        }
    }

    /// Name symbols of the other people named on record `r` than mention `m` (a joint letter's
    /// co-signers), without repeats.
    fn cosigner_names(&self, r: u32, m: u32) -> Vec<u32> {
        let mut names: Vec<u32> = self
            .mention_range(r)
            .filter(|&x| x != m)
            .map(|x| self.mentions[x as usize].name)
            .filter(|&n| n != NONE)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn links_for_side(
        &self,
        side: &petitioner::Side,
        keys: &[u32],
        own_record: u32,
        cosigners: &[u32],
        newest: Option<u32>,
    ) -> Vec<PersonEdge> {
        let mut cands = Vec::new();
        for &k in keys {
            self.person_index.get(
                k,
                petitioner::BLOCK_CAP,
                &mut cands,
                |c| {
                    newest.is_some_and(|n| c >= n)
                        || !self.mention_live(c)
                        || self.mentions[c as usize].record == own_record
                },
                |_| true,
            );
        }
        cands.sort_unstable();
        cands.dedup();
        let freq = self.freq();
        let mut edges: Vec<PersonEdge> = cands
            .into_iter()
            .filter_map(|c| {
                let shared = self.shared_cosigners(c, side.name_sym, cosigners);
                let cmp = petitioner::compare(side, &self.side(c), &freq, shared)?;
                cmp.link.then(|| PersonEdge {
                    to: c,
                    score: (cmp.score * 16.0).clamp(-32000.0, 32000.0) as i16,
                    agree: cmp.agree,
                })
            })
            .collect();
        edges.sort_unstable_by(|a, b| b.score.cmp(&a.score).then(a.to.cmp(&b.to)));
        edges.truncate(petitioner::EDGES_PER_MENTION);
        edges
    }

    /// Re-clusters the members of `affected` petitioners plus `new_mentions` from their links, and
    /// gives each resulting cluster a stable petitioner slot. Returns the slots of the clusters.
    fn recluster(
        &mut self,
        affected: &HashSet<u32>,
        new_mentions: &[u32],
        snaps: &mut HashMap<u32, Shown>,
    ) -> Vec<u32> {
        let mut members: Vec<u32> = new_mentions.to_vec();
        let mut old_pids: Vec<u32> = affected.iter().copied().collect();
        for &p in &old_pids {
            members.extend(self.pid_members(p));
        }
        members.sort_unstable();
        members.dedup();
        members.retain(|&m| self.mention_live(m));
        for &m in &members {
            let r = self.mentions[m as usize].record;
            if r < self.records.len() as u32 {
                snaps.entry(r).or_insert_with(|| self.shown(r));
            }
        }
        let member_set: HashSet<u32> = members.iter().copied().collect();
        let mut edges = Vec::new();
        for &m in &members {
            for e in self.person_edges(m) {
                if member_set.contains(&e.to) {
                    edges.push((e.score, m, e.to));
                }
            }
        }
        let comps = petitioner::cluster(
            &members,
            edges,
            |m| {
                let x = &self.mentions[m as usize];
                (x.id_kind() == 1).then(|| petitioner::id_key(&x.id))
            },
            |m| self.mentions[m as usize].record,
        );
        let comp_of: HashMap<u32, usize> = comps
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.iter().map(move |&m| (m, i)))
            .collect();

        // Older slots first: the component holding a slot's anchor keeps it.
        // Slots are numbered in creation order: the older slot is the lower number.
        old_pids.sort_unstable();
        let mut assigned: Vec<u32> = vec![NONE; comps.len()];
        let mut claimed: HashSet<u32> = HashSet::default();
        for &p in &old_pids {
            let a = self.pids[p as usize].anchor;
            if let Some(&c) = comp_of.get(&a) {
                if assigned[c] == NONE && self.mentions[a as usize].pid == p {
                    assigned[c] = p;
                    claimed.insert(p);
                }
            }
        }
        for (c, comp) in comps.iter().enumerate() {
            if assigned[c] != NONE {
                continue;
            }
            let mut mine: Vec<u32> = comp
                .iter()
                .map(|&m| self.mentions[m as usize].pid)
                .filter(|&p| p != NONE && !claimed.contains(&p))
                .collect();
            mine.sort_unstable();
            if let Some(&p) = mine.first() {
                assigned[c] = p;
                claimed.insert(p);
            }
        }
        for &p in &old_pids {
            if !claimed.contains(&p) {
                self.pids[p as usize].members = 0;
            }
        }
        let mut result = Vec::with_capacity(comps.len());
        for (c, comp) in comps.iter().enumerate() {
            let anchor = *comp
                .iter()
                .min_by(|&&a, &&b| self.mention_key(a).cmp(&self.mention_key(b)))
                .unwrap_or(&comp[0]);
            let p = if assigned[c] != NONE {
                let p = assigned[c];
                let a = self.pids[p as usize].anchor;
                if comp_of.get(&a) != Some(&c) {
                    self.pids[p as usize].anchor = anchor;
                }
                p
            } else {
                self.new_pid(anchor, &claimed)
            };
            claimed.insert(p);
            self.pids[p as usize].members = comp.len() as u32;
            for (i, &m) in comp.iter().enumerate() {
                let x = &mut self.mentions[m as usize];
                x.pid = p;
                x.next = comp[(i + 1) % comp.len()];
            }
            // The anchor must be a member so that the circle can be walked from it.
            if !comp.contains(&self.pids[p as usize].anchor) {
                self.pids[p as usize].anchor = anchor;
            }
            result.push(p);
        }
        result
    }

    fn index_pid(&mut self, p: u32) {
        let pids = &self.pids;
        let h = pids[p as usize].hash;
        self.pid_table.insert(
            state::mix64(h),
            p,
            |_| false,
            |x| state::mix64(pids[x as usize].hash),
        );
    }

    fn new_pid(&mut self, anchor: u32, claimed: &HashSet<u32>) -> u32 {
        let x = &self.mentions[anchor as usize];
        let pos = anchor - self.records[x.record as usize].first_mention;
        let base = format!("{}#{}", self.rec_id(x.record), pos);
        let mut salt = 0u32;
        loop {
            let text = if salt == 0 {
                base.clone()
            } else {
                format!("{base}~{salt}")
            };
            let h = u64::from_le_bytes(
                blake3::hash(text.as_bytes()).as_bytes()[..8]
                    .try_into()
                    .unwrap_or([0; 8]),
            );
            match self
                .pid_table
                .find(state::mix64(h), |p| self.pids[p as usize].hash == h)
            {
                // A retired slot with the same anchor: the same person is back (a re-ingested file).
                Some(p) if self.pids[p as usize].members == 0 && !claimed.contains(&p) => {
                    self.pids[p as usize].anchor = anchor;
                    return p;
                }
                Some(_) => salt += 1,
                None => {
                    let p = self.pids.len() as u32;
                    self.pids.push(PidSlot {
                        hash: h,
                        anchor,
                        members: 0,
                    });
                    self.index_pid(p);
                    return p;
                }
            }
        }
    }

    /// Records of the petitioners that new record `r`'s mentions link to (`found`: the links of
    /// the batch's mentions from `first_new` on), at most [`duplicate::BUCKET_CAP`] a mention.
    fn linked_records(&self, r: u32, found: &[Vec<PersonEdge>], first_new: u32) -> Vec<u32> {
        let mut out = Vec::new();
        for m in self.mention_range(r) {
            let start = out.len();
            for e in &found[(m - first_new) as usize] {
                let p = self.mentions[e.to as usize].pid;
                if p == NONE || self.pids[p as usize].anchor == NONE {
                    // A mention of this batch, not clustered yet: its own record.
                    out.push(self.mentions[e.to as usize].record);
                    continue;
                }
                let ring = Self::ring(self.pids[p as usize].anchor, |m| {
                    self.mentions[m as usize].next
                });
                out.extend(
                    ring.filter(|&x| self.mentions[x as usize].pid == p)
                        .map(|x| self.mentions[x as usize].record)
                        .take(duplicate::BUCKET_CAP),
                );
                if out.len() - start >= duplicate::BUCKET_CAP {
                    break;
                }
            }
        }
        out
    }

    /// Adds to `links` (mention `m`'s) a link to the mention of the same name on each long
    /// record that `m`'s record duplicates (`dups`). Returns whether any was added.
    fn same_letter_links(&self, m: u32, dups: &[DupEdge], links: &mut Vec<PersonEdge>) -> bool {
        let x = &self.mentions[m as usize];
        if x.name == NONE || self.records[x.record as usize].flags & F_SHORT != 0 {
            return false;
        }
        let mut added = false;
        for d in dups {
            let twin = self
                .mention_range(d.to)
                .find(|&t| self.mentions[t as usize].name == x.name);
            let Some(twin) = twin else { continue };
            let agree = petitioner::AGREE_NAME | petitioner::AGREE_SAME_LETTER;
            match links.iter_mut().find(|e| e.to == twin) {
                Some(e) => e.agree |= agree,
                None => links.push(PersonEdge {
                    to: twin,
                    score: (petitioner::SAME_LETTER * 16.0) as i16,
                    agree,
                }),
            }
            added = true;
        }
        added
    }

    /// Older records that may be near-duplicates of record `r`: those sharing an LSH band, and
    /// the records of the people `r` names (`people`), after the checks that need no text.
    fn duplicate_candidates(&self, r: u32, people: &[u32]) -> Vec<DupCandidate> {
        let sketch = self.sketches[r as usize];
        let f = &self.records[r as usize];
        let mut cands = Vec::new();
        for (band, k) in duplicate::band_keys(&sketch).into_iter().enumerate() {
            self.lsh_index.get(
                k,
                duplicate::BUCKET_CAP,
                &mut cands,
                |c| c >= r || !self.is_live(c),
                |c| self.in_band(c, band, k),
            );
        }
        // A letter sent again is mostly sent by the same person: that person's other records are
        // candidates too, which catches the copies banding missed (a re-typed copy at Jaccard
        // 0.7–0.8 shares no band with probability 0.3–2 %). The sketch estimate below keeps
        // their different letters from costing a text fetch.
        cands.extend(people.iter().copied().filter(|&c| c < r && self.is_live(c)));
        cands.sort_unstable();
        cands.dedup();
        let short = f.flags & F_SHORT != 0;
        cands
            .into_iter()
            .filter_map(|c| {
                let g = &self.records[c as usize];
                if short != (g.flags & F_SHORT != 0) {
                    return None;
                }
                if f.text_hash == g.text_hash {
                    return Some(DupCandidate::Exact(c));
                }
                if short {
                    return None;
                }
                let estimate = duplicate::candidate_similarity(&sketch, &self.sketches[c as usize]);
                // Far below the threshold even allowing for the estimate's error: not worth
                // reading its text.
                (estimate >= duplicate::DUP_JACCARD - 0.3)
                    .then_some(DupCandidate::Near { to: c, estimate })
            })
            .collect()
    }

    /// The verified near-duplicate links of record `r` among its candidates: exact shingle sets
    /// where both are at hand (kept since the last commit, or read back: `archived`), else the
    /// sketch estimate.
    fn duplicate_links(
        &self,
        r: u32,
        candidates: Vec<DupCandidate>,
        archived: &HashMap<u32, Box<[u32]>>,
    ) -> Vec<DupEdge> {
        let mine = self.unread.get(&r);
        let mut edges: Vec<DupEdge> = candidates
            .into_iter()
            .filter_map(|c| {
                let (to, estimate) = match c {
                    DupCandidate::Exact(to) => {
                        return Some(DupEdge {
                            to,
                            sim: 250,
                            exact: true,
                        })
                    }
                    DupCandidate::Near { to, estimate } => (to, estimate),
                };
                let theirs = self.unread.get(&to).or_else(|| archived.get(&to));
                let sim = match (mine, theirs) {
                    (Some(a), Some(b)) if !b.is_empty() => duplicate::jaccard(a, b),
                    _ => estimate,
                };
                (sim >= duplicate::DUP_JACCARD).then(|| DupEdge {
                    to,
                    sim: (sim * 250.0).round() as u8,
                    exact: false,
                })
            })
            .collect();
        edges.sort_unstable_by(|a, b| b.sim.cmp(&a.sim).then(a.to.cmp(&b.to)));
        edges.truncate(8);
        edges
    }

    fn shingles_of_archived(&self, c: u32, text: &str) -> Box<[u32]> {
        let names: Vec<&str> = self
            .mention_range(c)
            .filter_map(|m| {
                let n = self.mentions[m as usize].name;
                (n != NONE).then(|| self.names.resolve(n))
            })
            .collect();
        duplicate::compact(&duplicate::shingles(&duplicate::normalise_body(
            text, &names,
        )))
    }

    /// Keeps the shingles of the newest `cap` records only (a run committing rarely, or a caller
    /// without a text source, would otherwise hold ~1.2 KB for every letter): older ones fall back
    /// to the sketch estimate. Trims when a quarter over, so that batches do not trim each time.
    fn trim_unread(&mut self, cap: usize) {
        if self.unread.len() > cap + cap / 4 {
            let oldest_kept = (self.records.len() - cap) as u32;
            self.unread.retain(|&r, _| r >= oldest_kept);
        }
    }

    /// Tells the linker that every record linked so far can now be read through the text source
    /// given to [`Linker::link_batch_with_texts`] (the ingest committed): their shingles, kept
    /// until now for exact near-duplicate checks, are dropped.
    pub fn texts_readable(&mut self) {
        self.unread = HashMap::default();
    }

    /// Recomputes the duplicate groups containing `affected` records from their verified links.
    fn regroup_duplicates(&mut self, affected: &HashSet<u32>, snaps: &mut HashMap<u32, Shown>) {
        let mut members: Vec<u32> = Vec::new();
        for &r in affected {
            members.extend(self.dup_members(r));
        }
        members.sort_unstable();
        members.dedup();
        members.retain(|&r| self.is_live(r));
        for &r in &members {
            snaps.entry(r).or_insert_with(|| self.shown(r));
        }
        let index: HashMap<u32, usize> = members.iter().enumerate().map(|(i, &r)| (r, i)).collect();
        let mut parent: Vec<usize> = (0..members.len()).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for (i, &r) in members.iter().enumerate() {
            let f = &self.records[r as usize];
            for e in &self.dup_edges
                [f.dup_edge_start as usize..(f.dup_edge_start + f.dup_edge_count as u32) as usize]
            {
                if let Some(&j) = index.get(&e.to) {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for (i, &r) in members.iter().enumerate() {
            let root = find(&mut parent, i);
            groups.entry(root).or_default().push(r);
        }
        for g in groups.into_values() {
            let rep = *g
                .iter()
                .min_by(|&&a, &&b| self.record_key(a).cmp(&self.record_key(b)))
                .unwrap_or(&g[0]);
            for (i, &r) in g.iter().enumerate() {
                let f = &mut self.records[r as usize];
                f.dup_rep = rep;
                f.dup_next = g[(i + 1) % g.len()];
                if r == rep {
                    f.flags &= !F_DUPLICATE;
                } else {
                    f.flags |= F_DUPLICATE;
                }
            }
        }
    }

    /// Distinct live records of a petitioner's mentions, as matter items.
    fn matter_items(&self, members: &[u32]) -> Vec<repeat::MatterItem<'_>> {
        let mut recs: Vec<u32> = members
            .iter()
            .map(|&m| self.mentions[m as usize].record)
            .collect();
        recs.sort_unstable();
        recs.dedup();
        recs.into_iter()
            .map(|r| {
                let f = &self.records[r as usize];
                repeat::MatterItem {
                    record: r,
                    day: f.day,
                    id: self.rec_id(r),
                    categories: f.categories(),
                    sketch: &self.sketches[r as usize],
                    short: f.flags & F_SHORT != 0,
                }
            })
            .collect()
    }

    /// Sets the mention-level repeat marks of the given petitioners and the records' `repeat` flags.
    fn mark_repeats(&mut self, pids: &[u32], snaps: &mut HashMap<u32, Shown>) {
        let mut changed_records: Vec<u32> = Vec::new();
        for &p in pids {
            let members = self.pid_members(p);
            let non_first: HashSet<u32> = {
                let mut items = self.matter_items(&members);
                let groups = repeat::matter_groups(&mut items);
                groups
                    .iter()
                    .flat_map(|g| g.iter().skip(1).map(|&i| items[i].record))
                    .collect()
            };
            for m in members {
                let r = self.mentions[m as usize].record;
                let rep = non_first.contains(&r);
                if self.mentions[m as usize].repeat() != rep {
                    snaps.entry(r).or_insert_with(|| self.shown(r));
                    self.mentions[m as usize].set_repeat(rep);
                }
                changed_records.push(r);
            }
        }
        changed_records.sort_unstable();
        changed_records.dedup();
        for r in changed_records {
            let any = (self.mention_range(r)).any(|m| self.mentions[m as usize].repeat());
            let f = &mut self.records[r as usize];
            if any {
                f.flags |= F_REPEAT;
            } else {
                f.flags &= !F_REPEAT;
            }
        }
    }

    /// Evidence lines for a record's linker flags.
    fn evidence(&self, r: u32) -> BTreeMap<String, Vec<String>> {
        let mut ev = BTreeMap::new();
        let f = &self.records[r as usize];
        if f.flags & F_DUPLICATE != 0 && f.dup_rep != NONE {
            let rep = f.dup_rep;
            let mut lines = vec![format!(
                "copy of {} (duplicate group {})",
                self.rec_id(rep),
                self.dup_group_string(rep)
            )];
            for e in &self.dup_edges
                [f.dup_edge_start as usize..(f.dup_edge_start + f.dup_edge_count as u32) as usize]
            {
                if self.is_live(e.to) {
                    lines.push(format!(
                        "{} {} (similarity {:.2})",
                        if e.exact {
                            "same text as"
                        } else {
                            "near-duplicate of"
                        },
                        self.rec_id(e.to),
                        e.sim as f32 / 250.0
                    ));
                }
            }
            ev.insert(FLAG_DUPLICATE.to_string(), lines);
        }
        if f.flags & F_REPEAT != 0 {
            let mut lines = Vec::new();
            for m in self.mention_range(r) {
                let x = &self.mentions[m as usize];
                if !x.repeat() || x.pid == NONE {
                    continue;
                }
                let members = self.pid_members(x.pid);
                let mut items = self.matter_items(&members);
                let groups = repeat::matter_groups(&mut items);
                for g in groups {
                    let Some(pos) = g.iter().position(|&i| items[i].record == r) else {
                        continue;
                    };
                    let first = items[g[0]].record;
                    let levels: Vec<&str> = self
                        .levels_of(g.iter().map(|&i| items[i].record))
                        .iter()
                        .map(|l| l.as_str())
                        .collect();
                    lines.push(format!(
                        "petitioner {}: petition {} of {} on this matter since {} ({}){}",
                        self.pid_string(x.pid),
                        pos + 1,
                        g.len(),
                        state::iso_from_day(self.records[first as usize].day)
                            .unwrap_or_else(|| "undated".into()),
                        self.rec_id(first),
                        if levels.is_empty() {
                            String::new()
                        } else {
                            format!("; levels {}", levels.join("→"))
                        }
                    ));
                }
            }
            ev.insert(FLAG_REPEAT.to_string(), lines);
        }
        if self.mention_range(r).len() > 1 {
            let ids: Vec<String> = (self.mention_range(r))
                .map(|m| {
                    let p = self.mentions[m as usize].pid;
                    if p == NONE {
                        String::new()
                    } else {
                        self.pid_string(p)
                    }
                })
                .collect();
            ev.insert(EVIDENCE_PETITIONER_IDS.to_string(), ids);
        }
        ev
    }

    fn levels_of(&self, recs: impl Iterator<Item = u32>) -> Vec<Level> {
        let mut seen = [false; 5];
        for r in recs {
            seen[self.records[r as usize].level() as usize] = true;
        }
        LEVELS
            .iter()
            .enumerate()
            .filter(|(i, _)| seen[i + 1])
            .map(|(_, &l)| l)
            .collect()
    }

    fn fill(&self, r: u32, rec: &mut Record) {
        let s = self.shown(r);
        rec.petitioner_id = s.pids.iter().flatten().next().cloned();
        rec.duplicate_of = s.dup_of.clone();
        rec.flags
            .retain(|f| f != FLAG_REPEAT && f != FLAG_DUPLICATE);
        for k in [FLAG_REPEAT, FLAG_DUPLICATE, EVIDENCE_PETITIONER_IDS] {
            rec.flag_evidence.remove(k);
        }
        if s.repeat {
            rec.flags.push(FLAG_REPEAT.to_string());
        }
        if s.duplicate {
            rec.flags.push(FLAG_DUPLICATE.to_string());
        }
        rec.flag_evidence.extend(self.evidence(r));
    }

    fn updates(&self, snaps: HashMap<u32, Shown>, first_new: u32) -> Vec<RecordUpdate> {
        let mut out: Vec<RecordUpdate> = snaps
            .into_iter()
            .filter(|&(r, _)| r < first_new && self.is_live(r))
            .filter_map(|(r, before)| {
                let now = self.shown(r);
                if now == before {
                    return None;
                }
                let mut u = RecordUpdate {
                    id: self.rec_id(r).to_string(),
                    petitioner_id: now.pids.iter().flatten().next().cloned(),
                    petitioner_ids: now
                        .pids
                        .iter()
                        .map(|p| p.clone().unwrap_or_default())
                        .collect(),
                    duplicate_of: now.dup_of.clone(),
                    flag_evidence: self.evidence(r),
                    ..Default::default()
                };
                for (flag, was, is) in [
                    (FLAG_REPEAT, before.repeat, now.repeat),
                    (FLAG_DUPLICATE, before.duplicate, now.duplicate),
                ] {
                    if is && !was {
                        u.flags_add.push(flag.to_string());
                    } else if was && !is {
                        u.flags_remove.push(flag.to_string());
                    }
                }
                Some(u)
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    // -----------------------------------------------------------------------------------------
    // Removal
    // -----------------------------------------------------------------------------------------

    fn remove_record(
        &mut self,
        r: u32,
        snaps: &mut HashMap<u32, Shown>,
        pids: &mut HashSet<u32>,
        dups: &mut HashSet<u32>,
    ) {
        let f = self.records[r as usize].clone();
        if f.flags & F_REMOVED != 0 {
            return;
        }
        for m in self.mention_range(r) {
            let x = &self.mentions[m as usize];
            if x.pid != NONE {
                pids.insert(x.pid);
            }
            if x.name != NONE {
                self.name_counts[x.name as usize] =
                    self.name_counts[x.name as usize].saturating_sub(1);
            }
            self.live_mentions -= 1;
        }
        for p in [f.township, f.village] {
            if p != NONE {
                self.place_counts[p as usize] = self.place_counts[p as usize].saturating_sub(1);
            }
        }
        let others: Vec<u32> = self
            .dup_members(r)
            .into_iter()
            .filter(|&x| x != r)
            .collect();
        if let Some(&o) = others.first() {
            dups.insert(o);
        }
        snaps.remove(&r);
        self.unread.remove(&r);
        self.records[r as usize].flags |= F_REMOVED;
        self.live_records -= 1;
    }

    /// Removes records (a changed or deleted file's old records) and re-links what depended on
    /// them. Returns the changes to the remaining records.
    pub fn remove(&mut self, record_ids: &[String]) -> Vec<RecordUpdate> {
        let mut snaps = HashMap::default();
        let mut pids = HashSet::default();
        let mut dups = HashSet::default();
        for id in record_ids {
            if let Some(r) = self.record_of_id(id) {
                self.remove_record(r, &mut snaps, &mut pids, &mut dups);
            }
        }
        let result = self.recluster(&pids, &[], &mut snaps);
        self.regroup_duplicates(&dups, &mut snaps);
        self.mark_repeats(&result, &mut snaps);
        self.updates(snaps, self.records.len() as u32)
    }

    // -----------------------------------------------------------------------------------------
    // Queries
    // -----------------------------------------------------------------------------------------

    fn group_of_pid(&self, p: u32) -> PetitionerGroup {
        let members = self.pid_members(p);
        let set: HashSet<u32> = members.iter().copied().collect();
        let mut name_counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut evidence = Vec::new();
        for &m in &members {
            let x = &self.mentions[m as usize];
            if x.name != NONE {
                *name_counts.entry(self.names.resolve(x.name)).or_default() += 1;
            }
            for e in self.person_edges(m) {
                if set.contains(&e.to) {
                    evidence.push(LinkEvidence {
                        record: self.rec_id(x.record).to_string(),
                        linked_to: self.rec_id(self.mentions[e.to as usize].record).to_string(),
                        score: e.score as f32 / 16.0,
                        agreeing: petitioner::agreement_names(e.agree),
                    });
                }
            }
        }
        let mut names: Vec<(&str, usize)> = name_counts.into_iter().collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut items = self.matter_items(&members);
        let groups = repeat::matter_groups(&mut items);
        let records: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
        let matters = groups
            .iter()
            .map(|g| {
                let recs: Vec<u32> = g.iter().map(|&i| items[i].record).collect();
                let cat = self.records[recs[0] as usize].category();
                let days: Vec<i32> = recs
                    .iter()
                    .map(|&r| self.records[r as usize].day)
                    .filter(|&d| d != NO_DAY)
                    .collect();
                MatterGroup {
                    category: (cat != NONE).then(|| self.categories.resolve(cat).to_string()),
                    records: recs.iter().map(|&r| self.rec_id(r).to_string()).collect(),
                    count: recs.len(),
                    levels: self.levels_of(recs.iter().copied()),
                    first_date: days.iter().min().and_then(|&d| state::iso_from_day(d)),
                    last_date: days.iter().max().and_then(|&d| state::iso_from_day(d)),
                }
            })
            .collect();
        PetitionerGroup {
            id: self.pid_string(p),
            names: names.into_iter().map(|(n, _)| n.to_string()).collect(),
            records,
            evidence,
            matters,
        }
    }

    /// Petitioners with two or more records, earliest first record first.
    pub fn petitioner_groups(&self) -> Vec<PetitionerGroup> {
        let mut out: Vec<(i32, PetitionerGroup)> = (0..self.pids.len() as u32)
            .filter(|&p| self.pids[p as usize].members >= 2)
            .map(|p| self.group_of_pid(p))
            .filter(|g| g.records.len() >= 2)
            .map(|g| {
                let first = self
                    .record_of_id(&g.records[0])
                    .map(|r| self.records[r as usize].day)
                    .unwrap_or(NO_DAY);
                (if first == NO_DAY { i32::MAX } else { first }, g)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        out.into_iter().map(|(_, g)| g).collect()
    }

    /// The petitioner of a record (its first petitioner), with all their records: `xinfang show`.
    pub fn petitioner_of(&self, record_id: &str) -> Option<PetitionerGroup> {
        let r = self.record_of_id(record_id)?;
        (self.mention_range(r))
            .map(|m| self.mentions[m as usize].pid)
            .find(|&p| p != NONE)
            .map(|p| self.group_of_pid(p))
    }

    /// A petitioner by id (`P…`).
    pub fn petitioner(&self, petitioner_id: &str) -> Option<PetitionerGroup> {
        (0..self.pids.len() as u32)
            .find(|&p| self.pids[p as usize].members > 0 && self.pid_string(p) == petitioner_id)
            .map(|p| self.group_of_pid(p))
    }

    /// Groups of two or more copies of a letter, earliest copy first.
    pub fn duplicate_groups(&self) -> Vec<DuplicateGroup> {
        let mut reps: Vec<u32> = (0..self.records.len() as u32)
            .filter(|&r| {
                self.is_live(r)
                    && self.records[r as usize].dup_rep == r
                    && self.records[r as usize].dup_next != r
            })
            .collect();
        reps.sort_by(|&a, &b| self.record_key(a).cmp(&self.record_key(b)));
        reps.into_iter()
            .map(|rep| {
                let mut members: Vec<u32> = self
                    .dup_members(rep)
                    .into_iter()
                    .filter(|&r| self.is_live(r))
                    .collect();
                members.sort_by(|&a, &b| self.record_key(a).cmp(&self.record_key(b)));
                let set: HashSet<u32> = members.iter().copied().collect();
                let mut evidence = Vec::new();
                for &r in &members {
                    let f = &self.records[r as usize];
                    for e in &self.dup_edges[f.dup_edge_start as usize
                        ..(f.dup_edge_start + f.dup_edge_count as u32) as usize]
                    {
                        if set.contains(&e.to) {
                            evidence.push(DuplicateEvidence {
                                record: self.rec_id(r).to_string(),
                                duplicate_of: self.rec_id(e.to).to_string(),
                                similarity: e.sim as f32 / 250.0,
                                exact: e.exact,
                            });
                        }
                    }
                }
                DuplicateGroup {
                    id: self.dup_group_string(rep),
                    records: members
                        .iter()
                        .map(|&r| self.rec_id(r).to_string())
                        .collect(),
                    evidence,
                }
            })
            .collect()
    }

    /// The most similar archived records for a letter being registered (or an archived record):
    /// same petitioner (linked by the same scoring), near-duplicate text (LSH, sketch estimate), or
    /// the same petitioner on the same matter. Returns (record id, similarity 0–1, why), best first.
    pub fn similar(&self, record: &Record, k: usize) -> Vec<(String, f32, String)> {
        let own = self.record_of_id(&record.id);
        let mut best: HashMap<u32, (f32, Vec<String>)> = HashMap::default();
        let mut add = |r: u32, s: f32, why: String| {
            if Some(r) == own {
                return;
            }
            let e = best.entry(r).or_insert((0.0, Vec::new()));
            e.0 = e.0.max(s);
            if !e.1.contains(&why) {
                e.1.push(why);
            }
        };
        let township = Self::sym_or_none(&self.places, record.place.township.as_deref());
        let village = Self::sym_or_none(&self.places, record.place.village.as_deref());
        let category = Self::sym_or_none(
            &self.categories,
            record.categories.first().map(|c| c.code.trim()),
        );
        for p in &record.petitioners {
            let name = p.name.as_deref().and_then(petitioner::normalise_name);
            let (id, id_kind) = petitioner::pack_person(p);
            let side = petitioner::Side {
                partner: None,
                name_sym: Self::sym_or_none(&self.names, name.as_deref()),
                name: name.as_deref(),
                id,
                id_kind,
                phone: p.phone.as_deref().map(petitioner::pack_phone).unwrap_or(0),
                account: p
                    .account
                    .as_deref()
                    .map(petitioner::pack_account)
                    .unwrap_or(0),
                township,
                village,
                category,
            };
            let mut keys = Vec::new();
            petitioner::blocking_keys(&side, |s| self.place_hash(s), &mut keys);
            for e in self.links_for_side(&side, &keys, own.unwrap_or(NONE), &[], None) {
                let pid = self.mentions[e.to as usize].pid;
                let score = e.score as f32 / 16.0;
                let prob = 1.0 / (1.0 + (-(score - petitioner::LINK_THRESHOLD + 7.0)).exp2());
                if pid == NONE {
                    continue;
                }
                let pname = self.pid_string(pid);
                for m in self.pid_members(pid).into_iter().take(200) {
                    let r = self.mentions[m as usize].record;
                    let same_matter =
                        category != NONE && self.records[r as usize].category() == category;
                    let why = if same_matter {
                        format!("same petitioner {pname}, same matter")
                    } else {
                        format!("same petitioner {pname}")
                    };
                    add(r, if same_matter { prob } else { prob * 0.9 }, why);
                }
            }
        }
        let names: Vec<&str> = record
            .petitioners
            .iter()
            .filter_map(|p| p.name.as_deref())
            .collect();
        let body = duplicate::normalise_body(&record.text, &names);
        let first = names
            .first()
            .and_then(|n| petitioner::normalise_name(n))
            .unwrap_or_default();
        let fp = duplicate::fingerprint(
            &body,
            &format!("{first}|{}", record.date.as_deref().unwrap_or("")),
        );
        let mut cands = Vec::new();
        for (band, key) in duplicate::band_keys(&fp.sketch).into_iter().enumerate() {
            self.lsh_index.get(
                key,
                duplicate::BUCKET_CAP,
                &mut cands,
                |c| !self.is_live(c),
                |c| self.in_band(c, band, key),
            );
        }
        cands.sort_unstable();
        cands.dedup();
        for c in cands {
            let g = &self.records[c as usize];
            if g.text_hash == fp.text_hash as u32 {
                add(c, 1.0, "same text".to_string());
                continue;
            }
            let s = duplicate::sketch_similarity(&fp.sketch, &self.sketches[c as usize]);
            if s >= duplicate::DUP_JACCARD {
                add(c, s, format!("near-duplicate (≈{s:.2})"));
            } else if s >= repeat::MATTER_SIMILARITY {
                add(c, s, format!("similar text (≈{s:.2})"));
            }
        }
        let mut out: Vec<(String, f32, String)> = best
            .into_iter()
            .map(|(r, (s, why))| (self.rec_id(r).to_string(), s, why.join("; ")))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(k);
        out
    }

    // -----------------------------------------------------------------------------------------
    // Persistence
    // -----------------------------------------------------------------------------------------

    /// Opens the linking state in `dir` (`<index>/link/`); an empty linker when there is none.
    pub fn open(dir: &Path) -> Result<Linker, LinkError> {
        match state::read_checked(dir)? {
            None => Ok(Linker::new()),
            Some(payload) => Linker::decode(&payload),
        }
    }

    /// Saves the state to `dir` atomically (temporary file, fsync, rename). Removed records are
    /// dropped from the saved state.
    pub fn save(&self, dir: &Path) -> Result<(), LinkError> {
        self.snapshot().save(dir)
    }

    /// The state as it is now, encoded, to be saved later: an ingest saves it on another thread
    /// while it links the next files.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot(self.encode())
    }

    /// Bytes of the encoded state (what `save` writes, without the 56-byte envelope).
    pub fn encoded_len(&self) -> usize {
        self.encode().len()
    }

    fn encode(&self) -> Vec<u8> {
        // Live records and mentions are renumbered densely.
        let mut rec_map = vec![NONE; self.records.len()];
        let mut n = 0u32;
        for (r, f) in self.records.iter().enumerate() {
            if f.flags & F_REMOVED == 0 {
                rec_map[r] = n;
                n += 1;
            }
        }
        let mut men_map = vec![NONE; self.mentions.len()];
        let mut nm = 0u32;
        for (m, x) in self.mentions.iter().enumerate() {
            if rec_map[x.record as usize] != NONE {
                men_map[m] = nm;
                nm += 1;
            }
        }
        let mut o = Out(Vec::with_capacity(self.live_records * 200 + 1024));
        o.u32(STATE_VERSION);
        state::write_interner(&mut o, &self.id_text);
        state::write_interner(&mut o, &self.names);
        state::write_interner(&mut o, &self.places);
        state::write_interner(&mut o, &self.categories);
        o.u32(n);
        for (r, f) in self.records.iter().enumerate() {
            if rec_map[r] == NONE {
                continue;
            }
            o.u64(f.id());
            o.i32(f.day);
            o.u32(f.township);
            o.u32(f.village);
            o.u8(f.cats[0]);
            o.u8(f.cats[1]);
            o.u8(f.flags & !F_REMOVED);
            o.u16(self.mention_range(r as u32).len() as u16);
            o.u32(f.text_hash);
            o.u32(rec_map[f.dup_rep as usize]);
            o.0.extend_from_slice(&self.sketches[r]);
            let edges: Vec<&DupEdge> = self.dup_edges
                [f.dup_edge_start as usize..(f.dup_edge_start + f.dup_edge_count as u32) as usize]
                .iter()
                .filter(|e| rec_map[e.to as usize] != NONE)
                .collect();
            o.u8(edges.len() as u8);
            for e in edges {
                o.u32(rec_map[e.to as usize]);
                o.u8(e.sim);
                o.u8(e.exact as u8);
            }
        }
        o.u32(nm);
        for (m, x) in self.mentions.iter().enumerate() {
            if men_map[m] == NONE {
                continue;
            }
            // Presence bits: only the facts a mention has are written.
            o.u32(x.name);
            o.u8(x.id_kind()
                | if x.phone() != 0 { M_PHONE } else { 0 }
                | if x.account() != 0 { M_ACCOUNT } else { 0 }
                | if x.repeat() { M_REPEAT } else { 0 });
            if x.phone() != 0 {
                o.u64(x.phone());
            }
            if x.account() != 0 {
                o.u64(x.account());
            }
            if x.id_kind() != 0 {
                o.0.extend_from_slice(&x.id);
            }
            o.u32(x.pid);
            let edges: Vec<&PersonEdge> = self
                .person_edges(m as u32)
                .iter()
                .filter(|e| men_map[e.to as usize] != NONE)
                .collect();
            o.u8(edges.len() as u8);
            for e in edges {
                o.u32(men_map[e.to as usize]);
                o.u16(e.score as u16);
                o.u16(e.agree);
            }
        }
        o.u32(self.pids.len() as u32);
        for p in &self.pids {
            o.u64(p.hash);
            let anchor = if p.members > 0 && p.anchor != NONE {
                men_map[p.anchor as usize]
            } else {
                NONE
            };
            o.u32(anchor);
            o.u32(if anchor == NONE { 0 } else { p.members });
        }
        o.0
    }

    fn decode(payload: &[u8]) -> Result<Linker, LinkError> {
        let bad = |what: &str| LinkError::Corrupt(what.to_string());
        let mut i = In::new(payload);
        let version = i.u32()?;
        if version != STATE_VERSION {
            return Err(LinkError::Corrupt(format!(
                "linking state version {version} is not supported (this xinfang writes version \
                 {STATE_VERSION}); rebuild the index"
            )));
        }
        let mut l = Linker {
            id_text: state::read_interner(&mut i)?,
            names: state::read_interner(&mut i)?,
            places: state::read_interner(&mut i)?,
            categories: state::read_interner(&mut i)?,
            ..Default::default()
        };
        let sym_ok = |s: u32, it: &Interner| s == NONE || (s as usize) < it.len();
        let n = i.count(60)?;
        let mut first_mention = 0u32;
        l.records.reserve(n);
        l.sketches.reserve(n);
        let mut counts: Vec<u16> = Vec::with_capacity(n);
        for r in 0..n as u32 {
            let id = i.u64()?;
            let day = i.i32()?;
            let township = i.u32()?;
            let village = i.u32()?;
            let cats = [i.u8()?, i.u8()?];
            let flags = i.u8()?;
            let n_mentions = i.u16()?;
            let text_hash = i.u32()?;
            let dup_rep = i.u32()?;
            let mut sketch: state::Sketch = [0; SKETCH];
            for s in &mut sketch {
                *s = i.u8()?;
            }
            if (flags & F_ID_TEXT != 0 && id >= l.id_text.len() as u64)
                || !sym_ok(township, &l.places)
                || !sym_ok(village, &l.places)
                || cats
                    .iter()
                    .any(|&c| c != NO_CATEGORY && c as usize >= l.categories.len())
                || (flags >> LEVEL_SHIFT) & 7 > 4
                || (dup_rep as usize) >= n
            {
                return Err(bad("record facts out of range"));
            }
            let ne = i.u8()?;
            let dup_edge_start = l.dup_edges.len() as u32;
            for _ in 0..ne {
                let to = i.u32()?;
                let sim = i.u8()?;
                let exact = i.u8()? != 0;
                if to as usize >= n {
                    return Err(bad("duplicate link out of range"));
                }
                l.dup_edges.push(DupEdge { to, sim, exact });
            }
            l.records.push(RecordFacts {
                id_lo: id as u32,
                id_hi: (id >> 32) as u32,
                day,
                township,
                village,
                cats,
                flags: flags & !F_REMOVED,
                first_mention,
                text_hash,
                dup_rep,
                dup_next: r,
                dup_edge_start,
                dup_edge_count: ne,
            });
            l.sketches.push(sketch);
            l.index_id(r);
            counts.push(n_mentions);
            first_mention += n_mentions as u32;
        }
        let nm = i.count(20)?;
        if nm != first_mention as usize {
            return Err(bad("mention count mismatch"));
        }
        l.mentions.reserve(nm);
        let mut owner = 0u32;
        for m in 0..nm as u32 {
            while owner < n as u32 {
                let f = &l.records[owner as usize];
                if m < f.first_mention + counts[owner as usize] as u32 {
                    break;
                }
                owner += 1;
            }
            let name = i.u32()?;
            let kind = i.u8()?;
            let phone = if kind & M_PHONE != 0 { i.u64()? } else { 0 };
            let account = if kind & M_ACCOUNT != 0 { i.u64()? } else { 0 };
            let mut id = [0xffu8; 9];
            if kind & M_ID_KIND != 0 {
                for b in &mut id {
                    *b = i.u8()?;
                }
            }
            let pid = i.u32()?;
            if !sym_ok(name, &l.names) || owner as usize >= n {
                return Err(bad("mention out of range"));
            }
            let ne = i.u8()?;
            let edge_start = l.pedges.len() as u32;
            for _ in 0..ne {
                let to = i.u32()?;
                let score = i.u16()? as i16;
                let agree = i.u16()?;
                if to as usize >= nm {
                    return Err(bad("petitioner link out of range"));
                }
                l.pedges.push(PersonEdge { to, score, agree });
            }
            let mut mention = Mention::new(owner, name, phone, account, id, kind & M_ID_KIND);
            mention.set_repeat(kind & M_REPEAT != 0);
            mention.pid = pid;
            mention.next = m;
            mention.edge_start = edge_start;
            l.mentions.push(mention);
        }
        let np = i.count(24)?;
        for _ in 0..np {
            let hash = i.u64()?;
            let anchor = i.u32()?;
            let members = i.u32()?;
            if anchor != NONE && anchor as usize >= nm {
                return Err(bad("petitioner anchor out of range"));
            }
            l.pids.push(PidSlot {
                hash,
                anchor,
                members,
            });
            l.index_pid(l.pids.len() as u32 - 1);
        }
        for m in &l.mentions {
            if m.pid != NONE && m.pid as usize >= np {
                return Err(bad("petitioner slot out of range"));
            }
        }
        l.rebuild_derived();
        l.trim_capacity();
        Ok(l)
    }

    /// Rebuilds counts, circular lists and key indexes from the stored facts.
    fn rebuild_derived(&mut self) {
        self.live_records = self.records.len();
        self.live_mentions = self.mentions.len();
        self.name_counts = vec![0; self.names.len()];
        self.place_counts = vec![0; self.places.len()];
        for m in &self.mentions {
            if m.name != NONE {
                self.name_counts[m.name as usize] += 1;
            }
        }
        for f in &self.records {
            for p in [f.township, f.village] {
                if p != NONE {
                    self.place_counts[p as usize] += 1;
                }
            }
        }
        // Petitioner circles, by slot.
        let mut by_pid: HashMap<u32, Vec<u32>> = HashMap::default();
        for (m, x) in self.mentions.iter().enumerate() {
            if x.pid != NONE {
                by_pid.entry(x.pid).or_default().push(m as u32);
            }
        }
        for p in self.pids.iter_mut() {
            p.members = 0;
        }
        for (p, ms) in by_pid {
            for (i, &m) in ms.iter().enumerate() {
                self.mentions[m as usize].next = ms[(i + 1) % ms.len()];
            }
            let slot = &mut self.pids[p as usize];
            slot.members = ms.len() as u32;
            if slot.anchor == NONE || self.mentions[slot.anchor as usize].pid != p {
                slot.anchor = ms[0];
            }
        }
        // Duplicate circles, by representative.
        let mut by_rep: HashMap<u32, Vec<u32>> = HashMap::default();
        for (r, f) in self.records.iter().enumerate() {
            by_rep.entry(f.dup_rep).or_default().push(r as u32);
        }
        for rs in by_rep.into_values() {
            for (i, &r) in rs.iter().enumerate() {
                self.records[r as usize].dup_next = rs[(i + 1) % rs.len()];
            }
        }
        let person: Vec<u64> = (0..self.mentions.len() as u32)
            .into_par_iter()
            .flat_map_iter(|m| {
                let mut keys = Vec::new();
                self.person_keys(m, &mut keys);
                keys.into_iter().map(move |k| ((k as u64) << 32) | m as u64)
            })
            .collect();
        self.person_index = KeyIndex::from_unsorted(person);
        self.lsh_index = KeyIndex::keyless_from_unsorted(self.lsh_words());
    }
}

#[cfg(test)]
mod tests;
