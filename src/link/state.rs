//! Compact, persistent linking state: what the linker remembers about every record of the archive
//! once the texts are gone.
//!
//! Why it exists: linking a new batch must compare it against the whole archive without re-reading
//! the archive. This module holds the per-record and per-petitioner facts in flat vectors (interned
//! strings, 64-bit hashes, day numbers, a 24-value MinHash sketch) and the sorted key indexes used for
//! blocking, and it writes them to `<index>/link/state.bin`.
//!
//! What it must never do: keep full letter texts or plain ID/phone strings beyond what comparison
//! needs (IDs are kept packed as digits so that an OCR-damaged number can still be compared character
//! by character; phones as a number), or leave a half-written state file behind: saving writes a
//! temporary file, fsyncs it, renames it over the old one and fsyncs the directory, and loading checks
//! a BLAKE3 checksum so that a torn or foreign file is an error, never a silent mis-link.
//!
//! Where its data comes from: [`super::Linker::link_batch`] fills it from extracted
//! [`crate::record::Record`]s; the key indexes are not stored but rebuilt from the facts on open.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::LinkError;

/// "No value" for every `u32` reference (record, mention, symbol, petitioner slot).
pub(crate) const NONE: u32 = u32::MAX;
/// "No date" in day numbers.
pub(crate) const NO_DAY: i32 = i32::MIN;
/// Number of MinHash values kept per record.
pub(crate) const SKETCH: usize = 24;
/// A record's MinHash sketch: the low 8 bits of each of the [`SKETCH`] minima (b-bit MinHash: two
/// unrelated values agree with probability 1/256, which moves no similarity decision at 24 values).
pub(crate) type Sketch = [u8; SKETCH];

/// Record flag bits.
pub(crate) const F_REMOVED: u8 = 1;
pub(crate) const F_REPEAT: u8 = 2;
pub(crate) const F_DUPLICATE: u8 = 4;
/// The body was too short for shingling; the sketch encodes the record's identity hash instead.
pub(crate) const F_SHORT: u8 = 8;
/// Position of the addressee level code (3 bits) in `RecordFacts::flags`.
pub(crate) const LEVEL_SHIFT: u8 = 4;
/// The record id is not 16 hex digits: `RecordFacts::id` is a symbol of the id interner.
pub(crate) const F_ID_TEXT: u8 = 0x80;
/// "No category" in `RecordFacts::cats`.
pub(crate) const NO_CATEGORY: u8 = u8::MAX;

const MAGIC: &[u8; 8] = b"XFLINK01";

// ---------------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------------

/// Final mix of MurmurHash3: spreads every input bit over the output.
#[inline]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x
}

/// A fast, deterministic 64-bit string hash (FNV-1a over bytes, then mixed). Stable across runs
/// and platforms: stored keys depend on it.
pub(crate) fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h ^= c as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// A 32-bit blocking key from a tag and a 64-bit value.
#[inline]
pub(crate) fn key32(tag: u64, v: u64) -> u32 {
    (mix64(v ^ tag.wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 32) as u32
}

// ---------------------------------------------------------------------------------------------
// Interner
// ---------------------------------------------------------------------------------------------

/// Strings stored once in an arena; a symbol is the string's index. Used for names, places and
/// categories (with a use count, which gives the term frequencies) and for record ids that are not
/// 16 hex digits.
#[derive(Default)]
pub(crate) struct Interner {
    arena: String,
    /// Start offset of every symbol; the end is the next start (or the arena end).
    starts: Vec<u32>,
    /// Symbols by the hash of their string (hash collisions are told apart by the strings).
    table: U32Table,
}

impl Interner {
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    pub(crate) fn resolve(&self, sym: u32) -> &str {
        resolve_in(&self.arena, &self.starts, sym)
    }

    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.table.find(hash_str(s), |sym| self.resolve(sym) == s)
    }

    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(sym) = self.get(s) {
            return sym;
        }
        let sym = self.starts.len() as u32;
        self.starts.push(self.arena.len() as u32);
        self.arena.push_str(s);
        self.index(sym);
        sym
    }

    fn index(&mut self, sym: u32) {
        let Interner {
            arena,
            starts,
            table,
        } = self;
        let resolve = |x: u32| resolve_in(arena, starts, x);
        table.insert(
            hash_str(resolve(sym)),
            sym,
            |_| false,
            |x| hash_str(resolve(x)),
        );
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.starts.capacity() * 4 + self.table.heap_bytes()
    }
}

fn resolve_in<'a>(arena: &'a str, starts: &[u32], sym: u32) -> &'a str {
    let i = sym as usize;
    if i >= starts.len() {
        return "";
    }
    let start = starts[i] as usize;
    let end = starts
        .get(i + 1)
        .map(|&e| e as usize)
        .unwrap_or(arena.len());
    &arena[start..end]
}

// ---------------------------------------------------------------------------------------------
// Open-addressing table of u32 values
// ---------------------------------------------------------------------------------------------

/// A hash table of `u32` values (record, symbol or slot numbers) whose keys live elsewhere: the
/// caller gives a value's 64-bit hash and a predicate telling whether a stored value has the key
/// looked for. Linear probing, at most 3/4 full: about 6 bytes an entry where a `HashMap<u64, u32>`
/// takes 13 bytes a slot at up to twice the entries.
#[derive(Default)]
pub(crate) struct U32Table {
    slots: Vec<u32>,
    len: usize,
}

impl U32Table {
    #[inline]
    fn home(h: u64, n: usize) -> usize {
        ((h as u128 * n as u128) >> 64) as usize
    }

    pub(crate) fn find(&self, h: u64, is_key: impl Fn(u32) -> bool) -> Option<u32> {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        let mut i = Self::home(h, n);
        loop {
            let v = self.slots[i];
            if v == NONE {
                return None;
            }
            if is_key(v) {
                return Some(v);
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Stores `v` under hash `h`, in place of the value `is_key` accepts when there is one.
    /// `hash_of` gives the hash of any stored value (to grow the table).
    pub(crate) fn insert(
        &mut self,
        h: u64,
        v: u32,
        is_key: impl Fn(u32) -> bool,
        hash_of: impl Fn(u32) -> u64,
    ) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            let size = (self.len + 1) * 7 / 4 + 16;
            let old = std::mem::replace(&mut self.slots, vec![NONE; size]);
            self.len = 0;
            for x in old.into_iter().filter(|&x| x != NONE) {
                self.put(hash_of(x), x, |_| false);
            }
        }
        self.put(h, v, is_key);
    }

    fn put(&mut self, h: u64, v: u32, is_key: impl Fn(u32) -> bool) {
        let n = self.slots.len();
        let mut i = Self::home(h, n);
        loop {
            let x = self.slots[i];
            if x == NONE {
                self.slots[i] = v;
                self.len += 1;
                return;
            }
            if is_key(x) {
                self.slots[i] = v;
                return;
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 4
    }
}

// ---------------------------------------------------------------------------------------------
// Record ids
// ---------------------------------------------------------------------------------------------

/// A record id as stored: 16 lower-case hex digits (what `engine::record_id` makes) as their
/// number, any other id as a symbol of the linker's id interner. Ordered as the strings are.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RecId<'a> {
    Hex(u64),
    Text(&'a str),
}

/// The number behind a 16-digit lower-case hex id (the only form that round-trips exactly).
pub(crate) fn parse_hex_id(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || !b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

fn hex16(v: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, c) in out.iter_mut().enumerate() {
        *c = b"0123456789abcdef"[((v >> (60 - 4 * i)) & 15) as usize];
    }
    out
}

impl std::fmt::Display for RecId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecId::Hex(v) => write!(f, "{v:016x}"),
            RecId::Text(s) => f.write_str(s),
        }
    }
}

impl Ord for RecId<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (RecId::Hex(a), RecId::Hex(b)) => a.cmp(b),
            (RecId::Text(a), RecId::Text(b)) => a.cmp(b),
            (RecId::Hex(a), RecId::Text(b)) => hex16(*a)[..].cmp(b.as_bytes()),
            (RecId::Text(a), RecId::Hex(b)) => a.as_bytes().cmp(&hex16(*b)[..]),
        }
    }
}

impl PartialOrd for RecId<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RecId<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for RecId<'_> {}

// ---------------------------------------------------------------------------------------------
// Key index
// ---------------------------------------------------------------------------------------------

/// A multimap from 32-bit keys to 32-bit values (mention or record numbers), with no per-entry
/// allocation. The base is bucketed on the key's top bits (a directory of offsets, 2^16 buckets or
/// more, about eight entries a bucket); inside a bucket it stores the key's low 16 bits (`u16`) and
/// the value (3 bytes below 2^24, 4 above): 5 bytes an entry instead of 8 for a sorted
/// `key << 32 | value` word. A *keyless* index stores values only (3 bytes an entry) and asks the
/// caller to confirm each
/// candidate's key — for the LSH bands, whose keys are recomputed from the record's sketch.
/// New entries go to a small sorted tail of `u64` words that is merged into the base when it grows,
/// so a batch costs O(batch · log n) plus an occasional linear rebuild of the base.
#[derive(Default)]
pub(crate) struct KeyIndex {
    /// Bits of the key that select a bucket (0 while the base is empty).
    bits: u32,
    /// `dir[b]..dir[b + 1]` is bucket `b`'s range in `lo` / `vals`.
    dir: Vec<u32>,
    /// Low 16 bits of each entry's key (empty for a keyless index).
    lo: Vec<u16>,
    /// Each entry's value in three parts: bits 0–15, bits 16–23, and bits 24–31 (the last empty
    /// while every value is below 2^24, i.e. up to 16 million records or mentions): 3 bytes a
    /// value instead of 4.
    vals_lo: Vec<u16>,
    vals_mid: Vec<u8>,
    vals_top: Vec<u8>,
    tail: Vec<u64>,
    keyless: bool,
}

impl KeyIndex {
    /// An index that stores values only; `get` then needs a `confirm` that recomputes keys.
    pub(crate) fn keyless() -> KeyIndex {
        KeyIndex {
            keyless: true,
            ..Default::default()
        }
    }

    pub(crate) fn from_unsorted(v: Vec<u64>) -> KeyIndex {
        let mut ix = KeyIndex::default();
        ix.rebuild(v);
        ix
    }

    pub(crate) fn keyless_from_unsorted(v: Vec<u64>) -> KeyIndex {
        let mut ix = KeyIndex::keyless();
        ix.rebuild(v);
        ix
    }

    /// Rebuilds the base from `v` (unsorted `key << 32 | value` words, base entries included).
    fn rebuild(&mut self, mut v: Vec<u64>) {
        use rayon::slice::ParallelSliceMut;
        v.par_sort_unstable();
        v.dedup();
        let bits = (usize::BITS - (v.len() / 8).max(1).leading_zeros()).clamp(16, 28);
        let nb = 1usize << bits;
        let mut dir = vec![0u32; nb + 1];
        for &x in &v {
            dir[((x >> 32) as u32 >> (32 - bits)) as usize + 1] += 1;
        }
        for b in 0..nb {
            dir[b + 1] += dir[b];
        }
        // Inside a bucket: by (low key bits, value) when keyed, by value alone when keyless.
        if self.keyless {
            v.par_sort_unstable_by_key(|&x| (((x >> 32) as u32 >> (32 - bits)), x as u32));
        }
        self.lo = if self.keyless {
            Vec::new()
        } else {
            v.iter().map(|&x| (x >> 32) as u16).collect()
        };
        self.vals_lo = v.iter().map(|&x| x as u16).collect();
        self.vals_mid = v.iter().map(|&x| (x >> 16) as u8).collect();
        self.vals_top = if v.iter().any(|&x| x as u32 >= 1 << 24) {
            v.iter().map(|&x| (x >> 24) as u8).collect()
        } else {
            Vec::new()
        };
        self.bits = bits;
        self.dir = dir;
    }

    #[inline]
    fn val(&self, i: usize) -> u32 {
        let top = self.vals_top.get(i).copied().unwrap_or(0) as u32;
        (top << 24) | ((self.vals_mid[i] as u32) << 16) | self.vals_lo[i] as u32
    }

    fn base_len(&self) -> usize {
        self.vals_lo.len()
    }

    fn base_words(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.base_len());
        for b in 0..self.dir.len().saturating_sub(1) {
            for i in self.dir[b] as usize..self.dir[b + 1] as usize {
                let key = ((b as u32) << (32 - self.bits)) | self.lo[i] as u32;
                out.push(((key as u64) << 32) | self.val(i) as u64);
            }
        }
        out
    }

    /// The tail has grown enough to be merged into the base. A keyed index merges itself in
    /// [`KeyIndex::extend`]; a keyless one cannot (its base has no keys) and is rebuilt by its owner
    /// from recomputed keys when this says so.
    pub(crate) fn wants_merge(&self) -> bool {
        self.tail.len() > 4096 && self.tail.len() * 8 > self.base_len()
    }

    /// Adds entries (a batch's worth); keeps both parts sorted.
    pub(crate) fn extend(&mut self, entries: impl IntoIterator<Item = u64>) {
        let mut new: Vec<u64> = entries.into_iter().collect();
        new.sort_unstable();
        new.dedup();
        new.retain(|x| self.tail.binary_search(x).is_err());
        // Merge into the sorted tail, in place from the back, rather than sort it whole again or
        // build a new one: the tail grows to an eighth of the base, and re-sorting it for every
        // batch was a quarter of the writer thread's time at 1M records.
        let (mut i, mut j) = (self.tail.len(), new.len());
        self.tail.resize(i + j, 0);
        while j > 0 {
            let k = i + j - 1;
            if i > 0 && self.tail[i - 1] > new[j - 1] {
                self.tail[k] = self.tail[i - 1];
                i -= 1;
            } else {
                self.tail[k] = new[j - 1];
                j -= 1;
            }
        }
        if !self.keyless && self.wants_merge() {
            let mut all = self.base_words();
            all.append(&mut self.tail);
            self.tail = Vec::new();
            self.rebuild(all);
        }
    }

    /// Values under `key`, the most recent (highest) first, at most `cap` of them, skipping
    /// values `skip` rejects (removed records). A keyless index returns only values `confirm`
    /// accepts as having `key` (a keyed index never calls it).
    pub(crate) fn get(
        &self,
        key: u32,
        cap: usize,
        out: &mut Vec<u32>,
        skip: impl Fn(u32) -> bool,
        confirm: impl Fn(u32) -> bool,
    ) {
        let lo = (key as u64) << 32;
        let hi = lo | 0xffff_ffff;
        let ta = self.tail.partition_point(|&x| x < lo);
        let tb = self.tail.partition_point(|&x| x <= hi);
        let (ba, bb) = if self.dir.is_empty() {
            (0, 0)
        } else {
            let b = (key >> (32 - self.bits)) as usize;
            let (s, e) = (self.dir[b] as usize, self.dir[b + 1] as usize);
            if self.keyless {
                (s, e)
            } else {
                let l = key as u16;
                let part = &self.lo[s..e];
                (
                    s + part.partition_point(|&x| x < l),
                    s + part.partition_point(|&x| x <= l),
                )
            }
        };
        let mut taken = 0;
        // Tail values are newer than base values only in general; merge both from the top.
        let (mut i, mut j) = (tb, bb);
        while taken < cap && (i > ta || j > ba) {
            let vt = (i > ta).then(|| self.tail[i - 1] as u32);
            let vb = (j > ba).then(|| self.val(j - 1));
            let (v, from_base) = match (vt, vb) {
                (Some(t), Some(b)) if t >= b => {
                    i -= 1;
                    (t, false)
                }
                (_, Some(b)) => {
                    j -= 1;
                    (b, true)
                }
                (Some(t), None) => {
                    i -= 1;
                    (t, false)
                }
                (None, None) => break,
            };
            if from_base && self.keyless && !confirm(v) {
                continue;
            }
            if !skip(v) {
                out.push(v);
                taken += 1;
            }
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.dir.capacity() * 4
            + self.lo.capacity() * 2
            + self.vals_lo.capacity() * 2
            + self.vals_mid.capacity()
            + self.vals_top.capacity()
            + self.tail.capacity() * 8
    }
}

// ---------------------------------------------------------------------------------------------
// Per-record and per-mention facts
// ---------------------------------------------------------------------------------------------

/// What is remembered of one record (letter or ledger row).
#[derive(Clone, Debug)]
pub(crate) struct RecordFacts {
    /// The record id: its number when it is 16 hex digits, else (with [`F_ID_TEXT`]) its symbol in
    /// `Linker::id_text`. Two halves keep the struct 4-byte aligned (44 bytes, not 48).
    pub id_lo: u32,
    pub id_hi: u32,
    /// Days since 1970-01-01 of the letter's date, or [`NO_DAY`].
    pub day: i32,
    pub township: u32,
    pub village: u32,
    /// Primary and second category symbols, or [`NO_CATEGORY`] (also for a symbol beyond `u8`:
    /// a taxonomy's first level has some fifteen classes, an archive's history a few more).
    pub cats: [u8; 2],
    /// `F_*` bits in the low nibble; the addressee level in the next three bits (0 unknown, 1 county,
    /// 2 city, 3 province, 4 national); [`F_ID_TEXT`] on top.
    pub flags: u8,
    /// The record's mentions run from here to the next record's `first_mention`.
    pub first_mention: u32,
    /// Hash of the normalised body, 32 bits: it is only compared between LSH candidates (exact
    /// duplicates), where a chance equality is a 2^-32 event.
    pub text_hash: u32,
    /// Earliest record of this record's duplicate group (itself when alone or earliest).
    pub dup_rep: u32,
    /// Next record in the duplicate group (circular; itself when alone).
    pub dup_next: u32,
    /// Verified near-duplicate links to older records: `dup_edges[dup_edge_start..+count]`.
    pub dup_edge_start: u32,
    pub dup_edge_count: u8,
}

impl RecordFacts {
    /// The addressee level code (0 unknown … 4 national).
    pub(crate) fn level(&self) -> u8 {
        (self.flags >> LEVEL_SHIFT) & 7
    }

    pub(crate) fn id(&self) -> u64 {
        ((self.id_hi as u64) << 32) | self.id_lo as u64
    }

    /// Primary category symbol or [`NONE`].
    pub(crate) fn category(&self) -> u32 {
        self.categories()[0]
    }

    /// Primary and second category symbols, [`NONE`] where absent.
    pub(crate) fn categories(&self) -> [u32; 2] {
        self.cats
            .map(|c| if c == NO_CATEGORY { NONE } else { c as u32 })
    }
}

/// A verified duplicate link from a record to an older one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DupEdge {
    pub to: u32,
    /// Similarity × 250.
    pub sim: u8,
    pub exact: bool,
}

/// One petitioner as named on one record (信访人 / one co-signer of a joint letter). 40 bytes: the
/// phone and account keys are 40-bit ([`key40`]), the ID kind and repeat mark share a byte, and
/// the number of petitioner links is not stored (a mention's links end where the next mention's
/// begin, see `Linker::person_edges`).
#[derive(Clone, Debug)]
pub(crate) struct Mention {
    pub record: u32,
    /// Normalised name symbol, or [`NONE`].
    pub name: u32,
    /// Petitioner slot in `Linker::pids`.
    pub pid: u32,
    /// Next mention of the same petitioner (circular).
    pub next: u32,
    /// Accepted links to older mentions start at `pedges[edge_start]`.
    pub edge_start: u32,
    phone_lo: u32,
    account_lo: u32,
    phone_hi: u8,
    account_hi: u8,
    /// ID number packed 4 bits a character (0–9, 10 = X, 15 = absent), 18 characters.
    pub id: [u8; 9],
    /// Bits 0–1: ID kind; bit 2: repeat.
    flags: u8,
}

const MENTION_REPEAT: u8 = 4;

impl Mention {
    /// A mention not linked yet. `phone` and `account` are keys from
    /// `petitioner::pack_phone` / `pack_account` (below 2^40); `id_kind` is 0 none, 1 valid or
    /// legacy (a key), 2 present but invalid (compare, never a key).
    pub(crate) fn new(
        record: u32,
        name: u32,
        phone: u64,
        account: u64,
        id: [u8; 9],
        id_kind: u8,
    ) -> Self {
        let (phone, account) = (key40(phone), key40(account));
        Mention {
            record,
            name,
            pid: NONE,
            next: NONE,
            edge_start: 0,
            phone_lo: phone as u32,
            account_lo: account as u32,
            phone_hi: (phone >> 32) as u8,
            account_hi: (account >> 32) as u8,
            id,
            flags: id_kind & 3,
        }
    }

    /// Phone key (0: none). Landlines keep their area code.
    pub(crate) fn phone(&self) -> u64 {
        ((self.phone_hi as u64) << 32) | self.phone_lo as u64
    }

    /// Online account key (留言用户), 0: none.
    pub(crate) fn account(&self) -> u64 {
        ((self.account_hi as u64) << 32) | self.account_lo as u64
    }

    pub(crate) fn id_kind(&self) -> u8 {
        self.flags & 3
    }

    /// This mention's record is not the first of its matter group in this petitioner's cluster.
    pub(crate) fn repeat(&self) -> bool {
        self.flags & MENTION_REPEAT != 0
    }

    pub(crate) fn set_repeat(&mut self, repeat: bool) {
        self.flags = (self.flags & !MENTION_REPEAT) | if repeat { MENTION_REPEAT } else { 0 };
    }
}

/// A phone number or account hash as a key below 2^40: kept as it is when it fits (every
/// mobile and most landlines with their area code), else hashed into [2^39, 2^40). Idempotent,
/// so keys read back from a saved state stay equal to fresh ones.
pub(crate) fn key40(v: u64) -> u64 {
    if v < 1 << 40 {
        v
    } else {
        (mix64(v) & ((1 << 39) - 1)) | (1 << 39)
    }
}

/// An accepted petitioner link from a mention to an older one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PersonEdge {
    pub to: u32,
    /// Match weight in sixteenths of a bit.
    pub score: i16,
    /// Agreement bits (see `petitioner::AGREE_*`).
    pub agree: u16,
}

/// A petitioner id slot: the stable hash behind `petitioner_id` and the cluster's anchor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PidSlot {
    /// Slots are numbered in creation order: on a merge the older (lower) slot survives.
    pub hash: u64,
    /// The mention the id was derived from (or that now stands for the cluster).
    pub anchor: u32,
    /// Live members.
    pub members: u32,
}

// ---------------------------------------------------------------------------------------------
// Binary encoding
// ---------------------------------------------------------------------------------------------

pub(crate) struct Out(pub Vec<u8>);

impl Out {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
}

pub(crate) struct In<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> In<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        In { buf, pos: 0 }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], LinkError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| LinkError::Corrupt("state file is truncated".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn u8(&mut self) -> Result<u8, LinkError> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, LinkError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().unwrap_or([0; 2]),
        ))
    }
    pub fn u32(&mut self) -> Result<u32, LinkError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or([0; 4]),
        ))
    }
    pub fn u64(&mut self) -> Result<u64, LinkError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or([0; 8]),
        ))
    }
    pub fn i32(&mut self) -> Result<i32, LinkError> {
        Ok(i32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or([0; 4]),
        ))
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], LinkError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub fn count(&mut self, max_item: usize) -> Result<usize, LinkError> {
        let n = self.u32()? as usize;
        // Guard against absurd counts from a damaged file before allocating.
        if n.saturating_mul(max_item.max(1)) > self.buf.len().saturating_mul(64) + 1024 {
            return Err(LinkError::Corrupt("implausible element count".into()));
        }
        Ok(n)
    }
}

pub(crate) fn write_interner(o: &mut Out, it: &Interner) {
    o.bytes(it.arena.as_bytes());
    o.u32(it.starts.len() as u32);
    for &s in &it.starts {
        o.u32(s);
    }
}

pub(crate) fn read_interner(i: &mut In) -> Result<Interner, LinkError> {
    let arena = std::str::from_utf8(i.bytes()?)
        .map_err(|_| LinkError::Corrupt("string table is not UTF-8".into()))?
        .to_string();
    let n = i.count(4)?;
    let mut it = Interner {
        arena,
        ..Default::default()
    };
    it.starts.reserve(n);
    for _ in 0..n {
        let s = i.u32()?;
        if s as usize > it.arena.len() || !it.arena.is_char_boundary(s as usize) {
            return Err(LinkError::Corrupt(
                "string table offset out of range".into(),
            ));
        }
        it.starts.push(s);
    }
    for w in it.starts.windows(2) {
        if w[0] > w[1] {
            return Err(LinkError::Corrupt(
                "string table offsets not ascending".into(),
            ));
        }
    }
    for sym in 0..n as u32 {
        it.index(sym);
    }
    Ok(it)
}

/// Writes `payload` (plus a magic prefix and a BLAKE3 checksum) to `dir/state.bin` atomically.
pub(crate) fn write_atomic(dir: &Path, payload: &[u8]) -> Result<(), LinkError> {
    fs::create_dir_all(dir)?;
    let final_path = dir.join("state.bin");
    let tmp_path = dir.join(format!("state.bin.tmp{}", std::process::id()));
    {
        let mut f = fs::File::create(&tmp_path)?;
        f.write_all(MAGIC)?;
        f.write_all(&(payload.len() as u64).to_le_bytes())?;
        f.write_all(payload)?;
        f.write_all(blake3::hash(payload).as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp_path, &final_path)?;
    if let Ok(d) = fs::File::open(dir) {
        // Makes the rename itself durable; not supported on every platform, hence no `?`.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads and checks `dir/state.bin`; `Ok(None)` when there is none yet.
pub(crate) fn read_checked(dir: &Path) -> Result<Option<Vec<u8>>, LinkError> {
    let path = dir.join("state.bin");
    let data = match fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if data.len() < 16 + 32 || &data[..8] != MAGIC {
        return Err(LinkError::Corrupt(format!(
            "{} is not a xinfang linking state",
            path.display()
        )));
    }
    let n = u64::from_le_bytes(data[8..16].try_into().unwrap_or([0; 8])) as usize;
    if data.len() != 16 + n + 32 {
        return Err(LinkError::Corrupt("state file length mismatch".into()));
    }
    let payload = &data[16..16 + n];
    if blake3::hash(payload).as_bytes() != &data[16 + n..] {
        return Err(LinkError::Corrupt("state file checksum mismatch".into()));
    }
    Ok(Some(payload.to_vec()))
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

pub(crate) fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses an ISO `YYYY-MM-DD` date into days; anything else is "no date".
pub(crate) fn parse_iso_day(s: &str) -> i32 {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return NO_DAY;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(&b[r]).ok()?.parse().ok()
    };
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
            days_from_civil(y as i32, m, d)
        }
        _ => NO_DAY,
    }
}

pub(crate) fn iso_from_day(day: i32) -> Option<String> {
    if day == NO_DAY {
        return None;
    }
    let (y, m, d) = civil_from_days(day);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Crockford base32 of the top 60 bits: the visible part of petitioner and duplicate-group ids.
pub(crate) fn base32_60(h: u64) -> String {
    const ALPHA: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    (0..12)
        .map(|i| ALPHA[((h >> (59 - i * 5)) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for s in ["1970-01-01", "2024-02-29", "1999-12-31", "2031-07-04"] {
            assert_eq!(iso_from_day(parse_iso_day(s)).as_deref(), Some(s));
        }
        assert_eq!(parse_iso_day("2024年3月5日"), NO_DAY);
        assert_eq!(parse_iso_day("2024-13-01"), NO_DAY);
    }

    #[test]
    fn key_index_returns_newest_first_with_cap() {
        let mut ix = KeyIndex::from_unsorted(vec![(7u64 << 32) | 1, (7 << 32) | 5, (8 << 32) | 2]);
        ix.extend([(7u64 << 32) | 9, (7 << 32) | 3]);
        let mut out = Vec::new();
        ix.get(7, 3, &mut out, |v| v == 5, |_| unreachable!());
        assert_eq!(out, vec![9, 3, 1]);
        // Keys sharing a bucket (same top bits) stay apart; a merge keeps every entry.
        let (a, b) = (0x1234_0001u32, 0x1234_0002u32);
        let mut ix =
            KeyIndex::from_unsorted(vec![((a as u64) << 32) | 10, ((b as u64) << 32) | 11]);
        ix.extend((0..5000u64).map(|v| ((b as u64) << 32) | (100 + v)));
        out.clear();
        ix.get(a, 10, &mut out, |_| false, |_| unreachable!());
        assert_eq!(out, vec![10]);
        out.clear();
        ix.get(b, 2, &mut out, |_| false, |_| unreachable!());
        assert_eq!(out, vec![5099, 5098]);
    }

    #[test]
    fn key_index_keeps_values_beyond_24_bits() {
        let big = (1u32 << 24) + 7;
        let mut ix = KeyIndex::from_unsorted(vec![(5u64 << 32) | 3, (5u64 << 32) | big as u64]);
        let mut out = Vec::new();
        ix.get(5, 10, &mut out, |_| false, |_| unreachable!());
        assert_eq!(out, vec![big, 3]);
        ix.extend((0..5000u64).map(|v| (6u64 << 32) | v));
        out.clear();
        ix.get(5, 10, &mut out, |_| false, |_| unreachable!());
        assert_eq!(out, vec![big, 3]);
    }

    #[test]
    fn keyless_index_confirms_candidates() {
        // Value v has key v % 3 (the caller can recompute it).
        let key_of = |v: u32| 0x8000_0000u32 | (v % 3);
        let words: Vec<u64> = (0..30u32)
            .map(|v| ((key_of(v) as u64) << 32) | v as u64)
            .collect();
        let mut ix = KeyIndex::keyless_from_unsorted(words);
        ix.extend((30..6000u32).map(|v| ((key_of(v) as u64) << 32) | v as u64));
        let mut out = Vec::new();
        ix.get(
            key_of(1),
            4,
            &mut out,
            |v| v == 5998,
            |v| key_of(v) == key_of(1),
        );
        assert_eq!(out, vec![5995, 5992, 5989, 5986]);
        out.clear();
        assert!(ix.wants_merge());
        let all: Vec<u64> = (0..6000u32)
            .map(|v| ((key_of(v) as u64) << 32) | v as u64)
            .collect();
        ix = KeyIndex::keyless_from_unsorted(all);
        assert!(!ix.wants_merge());
        ix.get(
            key_of(2),
            100,
            &mut out,
            |_| false,
            |v| key_of(v) == key_of(2),
        );
        assert_eq!(out.len(), 100);
        assert_eq!(out[0], 5999);
        assert!(out.iter().all(|&v| v % 3 == 2));
    }

    #[test]
    fn interner_round_trip() {
        let mut it = Interner::default();
        let a = it.intern("张建国");
        let b = it.intern("王秀英");
        assert_eq!(it.intern("张建国"), a);
        let mut o = Out(Vec::new());
        write_interner(&mut o, &it);
        let back = read_interner(&mut In::new(&o.0)).unwrap();
        assert_eq!(back.get("王秀英"), Some(b));
        assert_eq!(back.resolve(a), "张建国");
    }
}
