//! Petitioner resolution (信访人识别): deciding which names on which letters and ledger rows are the
//! same person.
//!
//! Why it exists: repeat petitions (重复信访) can only be counted per person, and a person's name is
//! written many ways — OCR and homophone slips (张建国/张健国), an ID number on some letters only, a
//! changed phone. This module turns each named petitioner into comparable facts, proposes candidate
//! pairs by blocking (ID number pieces, phone, online account, name + township, one-character name
//! variants + village),
//! scores each pair in the manner of Fellegi–Sunter record linkage (log₂ Bayes factors per field, a
//! term-frequency-adjusted weight for names so that 张伟 counts for less than 欧阳明轩), and clusters
//! accepted links with a union-find that refuses to join two different valid ID numbers.
//!
//! What it must never do: compare all pairs; merge two different *valid* ID numbers; merge different
//! names on a shared phone alone (a father and son share one); link on a name alone; transliterate
//! names (they are compared as hanzi).
//!
//! An online petition system's account (留言用户, 网上信访账号) is a login of one person, so unlike a
//! phone it needs no family exception: equal accounts are strong evidence on their own, enough to link
//! two messages that carry no name at all. Different accounts count only mildly against a link (a
//! person may register twice, or write once from a relative's login).
//!
//! Where its data comes from: `Record.petitioners[*].{name, id_number, id_status, phone, account}`,
//! `Record.place.{township, village}` and the primary category.

use rustc_hash::FxHashMap as HashMap;

use super::state::{hash_str, key32, mix64};
use crate::record::IdStatus;

/// Match weight (bits) from which a pair is linked.
pub(crate) const LINK_THRESHOLD: f32 = 17.0;
/// Threshold when nothing but name and place agree (no ID number, phone or account): two
/// different people of one village share a common name often enough in a county that this takes
/// a name rare in the archive, the same village and the same matter. A false merge brands a
/// stranger a repeat petitioner, so precision comes first.
pub(crate) const NAME_PLACE_THRESHOLD: f32 = 24.0;
/// Most recent mentions looked at per blocking key.
pub(crate) const BLOCK_CAP: usize = 64;
/// Links kept per new mention (the strongest ones).
pub(crate) const EDGES_PER_MENTION: usize = 4;

// Agreement bits recorded with every link (the link's evidence).
pub(crate) const AGREE_ID: u16 = 1;
pub(crate) const AGREE_ID_NEAR: u16 = 2;
pub(crate) const AGREE_BIRTH: u16 = 4;
pub(crate) const AGREE_PHONE: u16 = 8;
pub(crate) const AGREE_NAME: u16 = 16;
pub(crate) const AGREE_NAME_VARIANT: u16 = 32;
pub(crate) const AGREE_VILLAGE: u16 = 64;
pub(crate) const AGREE_TOWNSHIP: u16 = 128;
pub(crate) const AGREE_CATEGORY: u16 = 256;
pub(crate) const AGREE_ACCOUNT: u16 = 512;
/// The two records are one letter sent twice (a verified duplicate) and both name this person.
pub(crate) const AGREE_SAME_LETTER: u16 = 1024;
/// Both records are joint letters that also name another person of one name (the same group).
pub(crate) const AGREE_COSIGNERS: u16 = 2048;

/// Weight of each co-signer name (besides the pair's own) that two joint letters share, at most
/// two counted: a group that petitions together signs together again (集体访 recur), while two
/// different groups sharing two names is about as likely as two strangers sharing an ID number
/// fragment. u ≈ the chance that a random other joint letter of the township names someone of
/// that name, m ≈ .8 (a group's membership changes a little between letters).
pub(crate) const COSIGNER_AGREE: f32 = 9.0;

/// Weight of a link between two mentions of one name on two copies of one letter (a verified
/// duplicate, long enough to be compared by its text): a letter sent again is signed again by the
/// people who wrote it, so the name on the copy is the same person whatever the name's frequency.
/// Two different people of one name sending the same long letter is not a case the archive holds.
pub(crate) const SAME_LETTER: f32 = 30.0;

/// Weight (bits) of two equal accounts: m ≈ 0.95 (people keep their login), u ≈ 1e-7 (one account
/// among millions of a provincial platform). High enough that two nameless messages of one account
/// link even when they concern different places and matters (a login says who wrote, not where the
/// matter is). Two different names on one account never link through it (see [`compare`]).
pub(crate) const ACCOUNT_AGREE: f32 = 23.0;
/// Weight of two different accounts: about one person in four writing twice uses a second login
/// (a relative's phone, a re-registration), so log₂(0.25 / 1) = −2: mild, never a veto.
pub(crate) const ACCOUNT_DIFFER: f32 = -2.0;

/// Names of the agreement bits, as shown in evidence.
pub(crate) fn agreement_names(bits: u16) -> Vec<String> {
    [
        (AGREE_ID, "id_number"),
        (AGREE_ID_NEAR, "id_number≈"),
        (AGREE_BIRTH, "birth_date"),
        (AGREE_PHONE, "phone"),
        (AGREE_NAME, "name"),
        (AGREE_NAME_VARIANT, "name≈"),
        (AGREE_VILLAGE, "village"),
        (AGREE_TOWNSHIP, "township"),
        (AGREE_CATEGORY, "category"),
        (AGREE_ACCOUNT, "account"),
        (AGREE_SAME_LETTER, "same_letter"),
        (AGREE_COSIGNERS, "co_signers"),
    ]
    .iter()
    .filter(|(b, _)| bits & b != 0)
    .map(|(_, n)| n.to_string())
    .collect()
}

/// A person's name as compared: hanzi and letters only (spaces, the middle dot of minority names,
/// punctuation and digits dropped; full-width Latin folded). `None` when nothing is left or the
/// "name" is too long to be one.
pub(crate) fn normalise_name(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .map(|c| match c {
            '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .filter(|c| c.is_alphabetic() && !c.is_numeric())
        .collect();
    let n = s.chars().count();
    if n == 0 || n > 12 {
        None
    } else {
        Some(s)
    }
}

/// An ID number packed 4 bits a character (0–9, 10 for X, 15 absent), always 18 characters: a
/// legacy 15-digit number is widened to its 18-digit form (19 + year, computed check character),
/// so that the two forms of one person's number are equal.
pub(crate) fn pack_id(raw: &str, status: Option<IdStatus>) -> ([u8; 9], u8) {
    let mut chars: Vec<u8> = raw
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c as u8 - b'0'),
            '０'..='９' => Some((c as u32 - '０' as u32) as u8),
            'x' | 'X' | 'ｘ' | 'Ｘ' => Some(10),
            _ => None,
        })
        .collect();
    if chars.is_empty() {
        return ([0xff; 9], 0);
    }
    let mut kind = match status {
        Some(IdStatus::Valid) if chars.len() == 18 => 1,
        Some(IdStatus::Legacy) if chars.len() == 15 => 1,
        _ => 2,
    };
    if chars.len() == 15 && chars.iter().all(|&c| c < 10) {
        let mut wide = chars[..6].to_vec();
        wide.extend_from_slice(&[1, 9]);
        wide.extend_from_slice(&chars[6..15]);
        let ascii: Vec<u8> = wide.iter().map(|d| b'0' + d).collect();
        wide.push(match crate::extract::id_check_char(&ascii) {
            Some('X') => 10,
            Some(c) => c.to_digit(10).unwrap_or(0) as u8,
            None => 0, // unreachable: 17 digits
        });
        chars = wide;
    } else if chars.len() != 18 {
        kind = 2;
    }
    let mut packed = [0xffu8; 9];
    for (i, &c) in chars.iter().take(18).enumerate() {
        set_nibble(&mut packed, i, c);
    }
    (packed, kind)
}

/// A petitioner's ID number as [`pack_id`] packs it; without one, the stated birth date
/// (`Petitioner::birth`) in the characters an ID number holds it in (7–14), the rest absent, so
/// that a mention keeps its size. The kind stays 0 (no ID number): a birth date is never a key.
pub(crate) fn pack_person(p: &crate::record::Petitioner) -> ([u8; 9], u8) {
    let (mut packed, kind) = pack_id(p.id_number.as_deref().unwrap_or(""), p.id_status);
    if kind == 0 {
        let digits = p
            .birth
            .iter()
            .flat_map(|b| b.bytes())
            .filter(u8::is_ascii_digit);
        for (i, d) in (6..14).zip(digits) {
            set_nibble(&mut packed, i, d - b'0');
        }
    }
    (packed, kind)
}

/// Birth date of a mention as (year, month, day), 0 where unknown: from a valid or legacy ID
/// number, or from the stated birth date of a mention without one. `None` without a year.
fn birth_of(s: &Side) -> Option<(u32, u32, u32)> {
    if s.id_kind == 2 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> u32 {
        r.map(|i| nibble(&s.id, i))
            .try_fold(0u32, |v, n| (n < 10).then_some(v * 10 + n as u32))
            .unwrap_or(0)
    };
    let year = digits(6..10);
    (year != 0).then(|| (year, digits(10..12), digits(12..14)))
}

/// Weight of two birth dates (log₂ m/u): the same year and month +8 (m .95, u ≈ 1/600 over the
/// ages that petition), and the same day +3 more; the same year where one month is unknown +4;
/// a different year, month or day −4 (m ≈ .05: a slip of the pen or of OCR).
fn birth_weight(a: (u32, u32, u32), b: (u32, u32, u32)) -> (f32, bool) {
    let known = |x: u32, y: u32| x != 0 && y != 0;
    if a.0 != b.0 || known(a.1, b.1) && a.1 != b.1 || known(a.2, b.2) && a.2 != b.2 {
        return (-4.0, false);
    }
    match (known(a.1, b.1), known(a.2, b.2)) {
        (true, true) => (11.0, true),
        (true, false) => (8.0, true),
        _ => (4.0, false),
    }
}

fn set_nibble(p: &mut [u8; 9], i: usize, c: u8) {
    let byte = &mut p[i / 2];
    if i.is_multiple_of(2) {
        *byte = (*byte & 0x0f) | (c << 4);
    } else {
        *byte = (*byte & 0xf0) | c;
    }
}

fn nibble(p: &[u8; 9], i: usize) -> u8 {
    if i.is_multiple_of(2) {
        p[i / 2] >> 4
    } else {
        p[i / 2] & 0x0f
    }
}

fn nibbles(p: &[u8; 9], r: std::ops::Range<usize>) -> Option<u64> {
    let mut v = 0u64;
    for i in r {
        let n = nibble(p, i);
        if n == 15 {
            return None;
        }
        v = (v << 4) | n as u64;
    }
    Some(v)
}

fn id_hamming(a: &[u8; 9], b: &[u8; 9]) -> u32 {
    (0..18)
        .filter(|&i| {
            let (x, y) = (nibble(a, i), nibble(b, i));
            x != y || x == 15
        })
        .count() as u32
}

/// The identity key of a valid (or legacy) ID number, for the "never merge two different valid
/// numbers" rule.
pub(crate) fn id_key(p: &[u8; 9]) -> u64 {
    mix64(
        u64::from_le_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]])
            ^ ((p[8] as u64) << 56),
    )
}

/// Phone digits as a number: mobile (11 digits, country code dropped) or landline with area code.
pub(crate) fn pack_phone(raw: &str) -> u64 {
    let mut d: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    if d.len() == 13 && d.starts_with("86") {
        d.drain(..2);
    }
    if d.len() < 7 || d.len() > 18 {
        return 0;
    }
    // A leading 1 marker keeps landline zeros (0371…) significant.
    format!("1{d}")
        .parse()
        .map(super::state::key40)
        .unwrap_or(0)
}

/// An online account as a 64-bit key (0: none): trimmed, full-width Latin and digits folded to ASCII,
/// ASCII letters lower-cased, inner whitespace dropped. Hashed, never kept as text.
pub(crate) fn pack_account(raw: &str) -> u64 {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if s.is_empty() {
        return 0;
    }
    // Tagged so that an account never equals the hash of a name or place; 0 is reserved.
    super::state::key40(hash_str(&format!("account\u{1f}{s}"))).max(1)
}

/// The facts of one mention that comparison needs.
pub(crate) struct Side<'a> {
    pub name: Option<&'a str>,
    /// On a joint letter, the first other name (its blocking key finds the group's other letters).
    pub partner: Option<&'a str>,
    pub name_sym: u32,
    pub id: [u8; 9],
    pub id_kind: u8,
    pub phone: u64,
    /// [`pack_account`] of the online account, 0 when none.
    pub account: u64,
    pub township: u32,
    pub village: u32,
    pub category: u32,
}

/// Archive-wide frequencies for the term-frequency adjustments.
pub(crate) struct Freq<'a> {
    /// Live mentions per name symbol.
    pub name_counts: &'a [u32],
    /// Live records per place symbol (townships and villages share the table).
    pub place_counts: &'a [u32],
    pub mentions: usize,
    pub records: usize,
}

impl Freq<'_> {
    /// u-probability of an exact name agreement: the name's share of mentions (archives smaller than
    /// 100,000 mentions are treated as that size, so a small archive does not make every name look
    /// common), never below a floor for an unseen name.
    fn name_u(&self, sym: u32, chars: usize) -> f32 {
        let c = self.name_counts.get(sym as usize).copied().unwrap_or(0) as f32;
        let floor = if chars <= 2 { 2e-4 } else { 1.5e-5 };
        (c / self.mentions.max(100_000) as f32).max(floor)
    }

    fn place_u(&self, sym: u32, floor: f32) -> f32 {
        let c = self.place_counts.get(sym as usize).copied().unwrap_or(0) as f32;
        (c / self.records.max(10_000) as f32).max(floor)
    }
}

enum NameRelation {
    Unknown,
    Exact,
    /// One character differs; the weight depends on where.
    Variant {
        weight: f32,
        sibling_pattern: bool,
    },
    Differ,
}

fn relate_names(a: &str, b: &str) -> NameRelation {
    if a == b {
        return NameRelation::Exact;
    }
    let ca: Vec<char> = a.chars().collect();
    let cb: Vec<char> = b.chars().collect();
    if ca.len() != cb.len() || ca.len() < 2 {
        return NameRelation::Differ;
    }
    let diffs: Vec<usize> = (0..ca.len()).filter(|&i| ca[i] != cb[i]).collect();
    if diffs.len() != 1 {
        return NameRelation::Differ;
    }
    let p = diffs[0];
    let (weight, sibling_pattern) = match (ca.len(), p) {
        // 张伟/张玮: two-character names one off are weak evidence.
        (2, _) => (2.0, false),
        // 王建国/玉建国: surname misread.
        (3, 0) => (5.0, false),
        // 张建国/张健国: the given name's first character (homophone or OCR slip).
        (3, 1) => (8.5, false),
        // 张建国/张建华: also the pattern of brothers sharing a generation character.
        (3, _) => (4.0, true),
        _ => (9.5, false),
    };
    NameRelation::Variant {
        weight,
        sibling_pattern,
    }
}

/// The outcome of comparing two mentions.
pub(crate) struct Comparison {
    /// Sum of log₂ Bayes factors.
    pub score: f32,
    pub agree: u16,
    /// Score over the threshold and at least one identifying agreement besides the name.
    pub link: bool,
}

/// Compares two mentions. `None` when a hard rule forbids the link outright.
///
/// Weights (log₂ m/u): ID equal +26 (m .97, u 1e-8); one side OCR-damaged: equal string +20,
/// ≤ 2 characters off +12, same birth date +5, otherwise −4. Name exact log₂(.92/u_tf); one
/// character off +8.5 (given name; 4+ characters +9.5), +5 (surname), +4 (last character, sibling pattern), +2
/// (two-character names); different −5. Phone equal +17 (m .85, u 6e-6), different −1.7 (people
/// change phones). Village equal log₂(.9/u_tf) else −3.3; township (when a village is missing)
/// log₂(.95/u_tf) else −4.3. Primary category equal +1.5, different −0.8. Account equal
/// +[`ACCOUNT_AGREE`] (no family exception), different [`ACCOUNT_DIFFER`].
///
/// `shared_cosigners`: how many other names the two mentions' records have in common (joint
/// letters; the caller passes 0 unless half of the smaller letter's recur), each worth
/// [`COSIGNER_AGREE`] (two at most) when the names agree exactly, the places do not differ and two
/// (three without a common place) recur; strong evidence, like a phone.
pub(crate) fn compare(a: &Side, b: &Side, f: &Freq, shared_cosigners: u32) -> Option<Comparison> {
    let mut w = 0f32;
    let mut agree = 0u16;
    let mut identifying = false;
    let mut id_agrees = false;
    // Two ID numbers, one damaged, agree on the birth date they hold.
    let mut id_birth = false;
    let account_agrees = a.account != 0 && a.account == b.account;
    match (a.id_kind, b.id_kind) {
        (0, _) | (_, 0) => {}
        (1, 1) => {
            if a.id != b.id {
                return None;
            }
            w += 26.0;
            agree |= AGREE_ID;
            identifying = true;
            id_agrees = true;
        }
        _ => {
            let hd = id_hamming(&a.id, &b.id);
            if hd == 0 {
                w += 20.0;
                agree |= AGREE_ID;
                identifying = true;
                id_agrees = true;
            } else if hd <= 2 {
                w += 12.0;
                agree |= AGREE_ID_NEAR;
                identifying = true;
                id_agrees = true;
            } else if nibbles(&a.id, 6..14).is_some()
                && nibbles(&a.id, 6..14) == nibbles(&b.id, 6..14)
            {
                w += 5.0;
                agree |= AGREE_BIRTH;
                id_birth = true;
            } else {
                w -= 4.0;
            }
        }
    }
    // A stated birth date where a side has no ID number to compare (an invalid one was weighed
    // above). Not strong evidence on its own: it adds to name and place.
    if !id_agrees && (a.id_kind == 0 || b.id_kind == 0) {
        if let (Some(x), Some(y)) = (birth_of(a), birth_of(b)) {
            let (bw, same) = birth_weight(x, y);
            w += bw;
            if same {
                agree |= AGREE_BIRTH;
            }
        }
    }
    let mut sibling_pattern = false;
    let relation = match (a.name, b.name) {
        (Some(x), Some(y)) => relate_names(x, y),
        _ => NameRelation::Unknown,
    };
    match relation {
        NameRelation::Unknown => {}
        NameRelation::Exact => {
            let chars = a.name.map(|n| n.chars().count()).unwrap_or(3);
            w += (0.92 / f.name_u(a.name_sym, chars)).log2();
            agree |= AGREE_NAME;
        }
        NameRelation::Variant {
            weight,
            sibling_pattern: s,
        } => {
            w += weight;
            sibling_pattern = s;
            agree |= AGREE_NAME_VARIANT;
        }
        NameRelation::Differ => {
            // Different names link only through the ID number (a name misread beyond one
            // character). Not through an account: a login is one person's, so a second name on it
            // is someone the writer speaks for (a relative), a different petitioner.
            if !id_agrees {
                return None;
            }
            w -= 5.0;
        }
    }
    if a.phone != 0 && b.phone != 0 {
        if a.phone == b.phone {
            // A family phone says little about which brother wrote.
            if !sibling_pattern {
                w += 17.0;
                agree |= AGREE_PHONE;
                identifying = true;
            }
        } else {
            w -= 1.7;
        }
    }
    if a.account != 0 && b.account != 0 {
        if account_agrees {
            w += ACCOUNT_AGREE;
            agree |= AGREE_ACCOUNT;
            identifying = true;
        } else {
            w += ACCOUNT_DIFFER;
        }
    }
    let townships_known = a.township != u32::MAX && b.township != u32::MAX;
    let townships_differ = townships_known && a.township != b.township;
    let villages_known = a.village != u32::MAX && b.village != u32::MAX;
    if villages_known {
        if a.village == b.village && !townships_differ {
            w += (0.9 / f.place_u(a.village, 1.0 / 2000.0)).log2();
            agree |= AGREE_VILLAGE | if townships_known { AGREE_TOWNSHIP } else { 0 };
            identifying = true;
        } else {
            w -= 3.3;
            if townships_differ {
                w -= 1.0;
            }
        }
    } else if townships_known {
        if a.township == b.township {
            w += (0.95 / f.place_u(a.township, 1.0 / 200.0)).log2();
            agree |= AGREE_TOWNSHIP;
            identifying = true;
        } else {
            w -= 4.3;
        }
    }
    if a.category != u32::MAX && b.category != u32::MAX {
        if a.category == b.category {
            w += 1.5;
            agree |= AGREE_CATEGORY;
        } else {
            w -= 0.8;
        }
    }
    // A group is local: two letters of different villages (or townships) sharing names are two
    // groups with common names, whatever their overlap; where a letter names no place, three
    // shared names are asked for, since such a letter could bridge two places' groups.
    let villages_differ = villages_known && a.village != b.village;
    let needed = if agree & (AGREE_VILLAGE | AGREE_TOWNSHIP) != 0 {
        2
    } else {
        3
    };
    if shared_cosigners >= needed
        && agree & AGREE_NAME != 0
        && !villages_differ
        && !townships_differ
    {
        w += COSIGNER_AGREE * shared_cosigners.min(2) as f32;
        agree |= AGREE_COSIGNERS;
        identifying = true;
    }
    let strong = id_birth
        || agree & (AGREE_ID | AGREE_ID_NEAR | AGREE_PHONE | AGREE_ACCOUNT | AGREE_COSIGNERS) != 0;
    let threshold = if strong {
        LINK_THRESHOLD
    } else {
        NAME_PLACE_THRESHOLD
    };
    Some(Comparison {
        score: w,
        agree,
        link: identifying && w >= threshold,
    })
}

/// Blocking keys of a mention: the ID number with each third masked in turn (an OCR slip spoils at
/// most two of the three), the phone, the online account, the name within its township, and the name
/// with one character masked within its village (township when the village is unknown) — which
/// brings 张建国 and 张健国 of one village together. Two-character names are blocked unmasked. On a
/// joint letter, also the name with the first other signer's: the group's next letter, which may
/// name no place, shares it.
pub(crate) fn blocking_keys(side: &Side, place_name: impl Fn(u32) -> u64, out: &mut Vec<u32>) {
    if side.id_kind != 0 {
        // The number with one third masked, for each third: one misread character leaves a key.
        for (tag, keep) in [
            (1u64, [6..12, 12..18]),
            (2, [0..6, 12..18]),
            (7, [0..6, 6..12]),
        ] {
            let [a, b] = keep;
            if let (Some(x), Some(y)) = (nibbles(&side.id, a), nibbles(&side.id, b)) {
                out.push(key32(tag, (x << 24) | y));
            }
        }
    }
    if side.phone != 0 {
        out.push(key32(3, side.phone));
    }
    if side.account != 0 {
        out.push(key32(8, side.account));
    }
    let Some(name) = side.name else { return };
    if let Some(partner) = side.partner {
        out.push(key32(9, hash_str(name) ^ hash_str(partner).rotate_left(17)));
    }
    if side.township != u32::MAX {
        out.push(key32(4, hash_str(name) ^ place_name(side.township)));
    }
    let place = if side.village != u32::MAX {
        side.village
    } else {
        side.township
    };
    if place == u32::MAX {
        return;
    }
    let ph = place_name(place);
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 2 {
        if side.village != u32::MAX {
            out.push(key32(6, hash_str(name) ^ ph));
        }
        return;
    }
    for i in 0..chars.len() {
        let masked: String = chars
            .iter()
            .enumerate()
            .map(|(j, &c)| if i == j { '*' } else { c })
            .collect();
        out.push(key32(5, hash_str(&masked) ^ ph));
    }
}

fn shares_any(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Clusters `members` (mention numbers) from `edges` (score, from, to), strongest first, with a
/// union-find that never joins two clusters holding different valid ID numbers, nor two clusters
/// holding mentions of the same record (co-signers of one joint letter are different people). Returns the
/// clusters, each sorted, in order of their smallest member.
pub(crate) fn cluster(
    members: &[u32],
    mut edges: Vec<(i16, u32, u32)>,
    valid_id: impl Fn(u32) -> Option<u64>,
    record_of: impl Fn(u32) -> u32,
) -> Vec<Vec<u32>> {
    let index: HashMap<u32, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let mut parent: Vec<usize> = (0..members.len()).collect();
    let mut ids: Vec<Option<u64>> = members.iter().map(|&m| valid_id(m)).collect();
    // Records of each cluster (sorted): two co-signers of one letter are two people.
    let mut recs: Vec<Vec<u32>> = members.iter().map(|&m| vec![record_of(m)]).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    edges.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, from, to) in edges {
        let (Some(&x), Some(&y)) = (index.get(&from), index.get(&to)) else {
            continue;
        };
        let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
        if rx == ry {
            continue;
        }
        match (ids[rx], ids[ry]) {
            (Some(p), Some(q)) if p != q => continue,
            _ => {}
        }
        if shares_any(&recs[rx], &recs[ry]) {
            continue;
        }
        let (keep, gone) = if rx < ry { (rx, ry) } else { (ry, rx) };
        parent[gone] = keep;
        ids[keep] = ids[keep].or(ids[gone]);
        let moved = std::mem::take(&mut recs[gone]);
        let mut merged = Vec::with_capacity(moved.len() + recs[keep].len());
        merged.extend_from_slice(&recs[keep]);
        merged.extend_from_slice(&moved);
        merged.sort_unstable();
        recs[keep] = merged;
    }
    let mut groups: HashMap<usize, Vec<u32>> = HashMap::default();
    for (i, &m) in members.iter().enumerate() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(m);
    }
    let mut out: Vec<Vec<u32>> = groups.into_values().collect();
    for g in &mut out {
        g.sort_unstable();
    }
    out.sort_unstable_by_key(|g| g[0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_id_equals_its_18_digit_form() {
        // 15-digit 410222 710101 123 → 18-digit 410222 19710101 123 + check.
        let (a, ka) = pack_id("410222710101123", Some(IdStatus::Legacy));
        let body = "41022219710101123";
        let check = crate::extract::id_check_char(body.as_bytes()).unwrap();
        let wide = format!("{body}{check}");
        let (b, kb) = pack_id(&wide, Some(IdStatus::Valid));
        assert_eq!((ka, kb), (1, 1));
        assert_eq!(a, b);
    }

    #[test]
    fn name_relations() {
        assert!(matches!(
            relate_names("张建国", "张健国"),
            NameRelation::Variant {
                sibling_pattern: false,
                ..
            }
        ));
        assert!(matches!(
            relate_names("张建国", "张建华"),
            NameRelation::Variant {
                sibling_pattern: true,
                ..
            }
        ));
        assert!(matches!(
            relate_names("张建国", "李秀英"),
            NameRelation::Differ
        ));
        assert_eq!(
            normalise_name(" 阿依古丽·买买提 ").as_deref(),
            Some("阿依古丽买买提")
        );
        assert_eq!(pack_phone("+86 138-1234-5678"), pack_phone("13812345678"));
    }

    #[test]
    fn union_find_refuses_two_valid_ids() {
        let members = [0, 1, 2];
        let edges = vec![(100, 1, 0), (90, 2, 1)];
        let c = cluster(
            &members,
            edges,
            |m| match m {
                0 => Some(1),
                2 => Some(2),
                _ => None,
            },
            |m| m,
        );
        assert_eq!(c, vec![vec![0, 1], vec![2]]);
    }
}
