//! The small global state of a generated archive: who writes repeatedly (重复信访) and which
//! letters are duplicates (重复件) of which.
//!
//! Why: every letter is otherwise a pure function of `(seed, index)`, so chunks can be made in
//! parallel and any earlier letter can be re-made on demand (a duplicate is re-made from its
//! original). Only the relations between letters need a plan; it holds a few bytes per repeat
//! or duplicate letter (about 7 % of the records), never the letters themselves.

use super::people::{days_from_civil, rng_for};
use rand::Rng;
use std::collections::{HashMap, HashSet};

/// Letter dates fall in 2019-01-01 ..= 2025-06-30.
pub fn date_first() -> i64 {
    days_from_civil(2019, 1, 1)
}
pub fn date_span() -> i64 {
    days_from_civil(2025, 6, 30) - date_first() + 1
}

/// Matter categories with their weights in a county archive (land and labour lead).
pub const CATEGORY_WEIGHTS: [u32; 15] = [
    180, // land
    90,  // enterprise
    120, // legal
    160, // labor
    80,  // veterans
    70,  // rural
    70,  // urban
    40,  // environment
    60,  // officials
    50,  // welfare
    20,  // education
    20,  // health
    25,  // transport
    15,  // commerce
    15,  // other
];

/// Secondary categories that go naturally with each primary one (indices into `CATEGORIES`).
pub const SECONDARY: [&[usize]; 15] = [
    &[8, 6, 2], // land: officials, urban, legal
    &[3, 8],    // enterprise: labor, officials
    &[0, 5, 8], // legal: land, rural, officials
    &[1, 8],    // labor: enterprise, officials
    &[9, 3],    // veterans: welfare, labor
    &[8, 0],    // rural: officials, land
    &[0, 13],   // urban: land, commerce
    &[11, 8],   // environment: health, officials
    &[9, 5],    // officials: welfare, rural
    &[8, 11],   // welfare: officials, health
    &[8, 3],    // education: officials, labor
    &[9, 2],    // health: welfare, legal
    &[0, 8],    // transport: land, officials
    &[2, 6],    // commerce: legal, urban
    &[8, 2],    // other: officials, legal
];

/// Draw a category and perhaps a secondary one.
pub fn draw_category<R: Rng + ?Sized>(rng: &mut R) -> (usize, Option<usize>) {
    let total: u32 = CATEGORY_WEIGHTS.iter().sum();
    let mut x = rng.random_range(0..total);
    let mut cat = 0;
    for (i, w) in CATEGORY_WEIGHTS.iter().enumerate() {
        if x < *w {
            cat = i;
            break;
        }
        x -= *w;
    }
    let secondary = if rng.random_bool(0.3) {
        let opts = SECONDARY[cat];
        Some(opts[rng.random_range(0..opts.len())])
    } else {
        None
    };
    (cat, secondary)
}

/// Share of repeat petitioners with three records or more who also write about a second,
/// unrelated matter: a person back about land one year and about a pension the next is not
/// repeating the first matter, and the truth says so, which is what lets an evaluation catch a
/// linker that calls every letter of a known petitioner a repeat.
pub const SECOND_MATTER_SHARE: f64 = 0.2;

/// A matter (信访事项) a repeat petitioner writes about.
#[derive(Clone, Debug)]
pub struct Matter {
    /// Slot values (enterprise, amounts, officials) stay the same in all of the matter's letters.
    pub seed: u64,
    pub category: usize,
    pub secondary: Option<usize>,
}

/// A person who writes several times: on one matter, or on two.
#[derive(Clone, Debug)]
pub struct RepeatPerson {
    /// Person number (`P<p>` in truth).
    pub p: u64,
    /// The first matter, then perhaps a second one.
    pub matters: Vec<Matter>,
    /// The matter of each occurrence (an index into `matters`); the first is always the first.
    pub matter_of: Vec<u8>,
    pub township: usize,
    pub village: usize,
    /// Date (days since 1970) of each occurrence, ascending.
    pub days: Vec<i64>,
    /// From this occurrence on, the person writes their second phone number.
    pub phone_change_at: Option<u8>,
}

impl RepeatPerson {
    /// The matter of occurrence `o`, and how many of the person's earlier occurrences were on it
    /// (a matter escalates on its own letters, not on the person's other matter's).
    pub fn matter(&self, o: u8) -> (&Matter, u8) {
        let m = self.matter_of[o as usize];
        let before = self.matter_of[..o as usize]
            .iter()
            .filter(|&&x| x == m)
            .count();
        (&self.matters[m as usize], before as u8)
    }
}

/// Two categories are neighbours when one is a natural secondary of the other: a letter on the
/// one often dwells on the other, so a person writing on both may well be on one matter.
fn neighbours(a: usize, b: usize) -> bool {
    a == b || SECONDARY[a].contains(&b) || SECONDARY[b].contains(&a)
}

/// A second matter for a person whose first is `first`: its category, and its secondary, are
/// neither the first's category nor a neighbour of it. From a stream of its own, so that giving
/// persons second matters leaves the rest of the plan as it was.
fn second_matter(seed: u64, k: u32, first: &Matter) -> Option<Matter> {
    let mut rng = rng_for(seed, 0x4d41_5432, k as u64);
    for _ in 0..32 {
        let (category, secondary) = draw_category(&mut rng);
        let unrelated = |c: usize| !neighbours(c, first.category);
        if unrelated(category)
            && secondary.is_none_or(unrelated)
            && first.secondary.is_none_or(|s| !neighbours(s, category))
        {
            return Some(Matter {
                seed: rng.random(),
                category,
                secondary,
            });
        }
    }
    None
}

/// How a duplicate differs from its original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DupKind {
    /// Byte-identical copy (the same letter received twice).
    Exact,
    /// Re-typed: a few characters changed, a sentence dropped, a new date.
    Retyped,
    /// The same letter re-sent to the next level up, with a new date.
    Resent,
}

/// Relations between records.
#[derive(Debug, Default)]
pub struct Plan {
    pub letters: usize,
    pub ledger_rows: usize,
    pub persons: Vec<RepeatPerson>,
    /// record index → (repeat person, occurrence ordinal from 0)
    pub repeat_of: HashMap<usize, (u32, u8)>,
    /// letter index → (original letter index, kind)
    pub dup_of: HashMap<usize, (usize, DupKind)>,
    /// letters that have at least one duplicate
    pub originals: HashSet<usize>,
}

/// Co-signer slots reserved per letter in the person-number space.
pub const SIGNER_SLOTS: u64 = 10;

impl Plan {
    /// Person number of signer `s` of letter `i`.
    pub fn letter_person(&self, i: usize, s: usize) -> u64 {
        self.persons.len() as u64 + i as u64 * SIGNER_SLOTS + s as u64
    }

    /// Person number of the petitioner of ledger row `r`.
    pub fn ledger_person(&self, r: usize) -> u64 {
        self.persons.len() as u64 + self.letters as u64 * SIGNER_SLOTS + r as u64
    }

    /// Highest person number used, plus one.
    pub fn person_count(&self) -> u64 {
        self.ledger_person(self.ledger_rows)
    }

    pub fn new(
        seed: u64,
        letters: usize,
        ledger_rows: usize,
        townships: &[usize],
        repeat_share: f64,
        duplicate_share: f64,
    ) -> Plan {
        let records = letters + ledger_rows;
        let mut rng = rng_for(seed, 0x504c_414e, 0);
        let mut plan = Plan {
            letters,
            ledger_rows,
            ..Plan::default()
        };
        if records == 0 {
            return plan;
        }
        // Repeat petitioners: about repeat_share of the records, 2–6 records a person.
        let target = (records as f64 * repeat_share.clamp(0.0, 0.5)).round() as usize;
        let mut used = 0usize;
        while used + 2 <= target && records >= 6 {
            let k = plan.persons.len() as u32;
            let want = rng.random_range(2..=6usize).min(target - used).max(2);
            let mut recs = Vec::with_capacity(want);
            let mut tries = 0;
            while recs.len() < want && tries < want * 20 {
                tries += 1;
                // Mostly letters; one in eight occurrences is a ledger row (a visit registered).
                let r = if ledger_rows > 0 && rng.random_bool(0.12) {
                    letters + rng.random_range(0..ledger_rows)
                } else if letters > 0 {
                    rng.random_range(0..letters)
                } else {
                    rng.random_range(0..records)
                };
                if plan.repeat_of.contains_key(&r) || recs.contains(&r) {
                    continue;
                }
                recs.push(r);
            }
            if recs.len() < 2 {
                break;
            }
            recs.sort_unstable();
            let (category, secondary) = draw_category(&mut rng);
            let township = rng.random_range(0..townships.len().max(1));
            let village = rng.random_range(0..townships.get(township).copied().unwrap_or(1).max(1));
            let mut day = date_first() + rng.random_range(0..date_span() * 2 / 3);
            let mut days = Vec::with_capacity(recs.len());
            for _ in 0..recs.len() {
                days.push(day);
                day += rng.random_range(20..180);
            }
            let phone_change_at = if rng.random_bool(0.25) {
                Some(rng.random_range(1..recs.len()) as u8)
            } else {
                None
            };
            for (o, r) in recs.iter().enumerate() {
                plan.repeat_of.insert(*r, (k, o as u8));
            }
            used += recs.len();
            let first = Matter {
                seed: rng.random(),
                category,
                secondary,
            };
            let mut matters = vec![first];
            let mut matter_of = vec![0u8; recs.len()];
            let mut side = rng_for(seed, 0x4d41_5431, k as u64);
            if recs.len() >= 3 && side.random_bool(SECOND_MATTER_SHARE) {
                if let Some(second) = second_matter(seed, k, &matters[0]) {
                    matters.push(second);
                    // Each later occurrence on either matter, at least one on the second.
                    for m in matter_of[1..].iter_mut() {
                        *m = side.random_bool(0.4) as u8;
                    }
                    if !matter_of.contains(&1) {
                        let o = side.random_range(1..recs.len());
                        matter_of[o] = 1;
                    }
                }
            }
            plan.persons.push(RepeatPerson {
                p: k as u64,
                matters,
                matter_of,
                township,
                village,
                days,
                phone_change_at,
            });
        }
        // Duplicates: copies of an earlier letter that is neither a duplicate nor a repeat.
        let dups = (letters as f64 * duplicate_share.clamp(0.0, 0.3)).round() as usize;
        let mut tries = 0;
        while plan.dup_of.len() < dups && tries < dups * 20 && letters >= 2 {
            tries += 1;
            let i = rng.random_range(1..letters);
            if plan.dup_of.contains_key(&i)
                || plan.originals.contains(&i)
                || plan.repeat_of.contains_key(&i)
            {
                continue;
            }
            // Mostly recent originals (re-sent within weeks), sometimes any earlier letter.
            let j = if rng.random_bool(0.6) {
                i - rng.random_range(1..=i.min(3000))
            } else {
                rng.random_range(0..i)
            };
            if plan.dup_of.contains_key(&j) {
                continue;
            }
            let kind = match rng.random_range(0..100) {
                0..35 => DupKind::Exact,
                35..80 => DupKind::Retyped,
                _ => DupKind::Resent,
            };
            plan.dup_of.insert(i, (j, kind));
            plan.originals.insert(j);
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_shares_and_invariants() {
        let plan = Plan::new(3, 20_000, 1_000, &[6, 7, 5], 0.05, 0.02);
        let repeats = plan.repeat_of.len() as f64 / 21_000.0;
        assert!((0.045..0.055).contains(&repeats), "repeat share {repeats}");
        let dups = plan.dup_of.len() as f64 / 20_000.0;
        assert!((0.018..0.022).contains(&dups), "duplicate share {dups}");
        for (i, (j, _)) in &plan.dup_of {
            assert!(j < i);
            assert!(!plan.dup_of.contains_key(j));
            assert!(!plan.repeat_of.contains_key(i));
        }
        let mut two = 0;
        for p in &plan.persons {
            assert!((2..=6).contains(&p.days.len()));
            assert!(p.days.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(p.matter_of.len(), p.days.len());
            assert_eq!(p.matter_of[0], 0);
            if let [a, b] = &p.matters[..] {
                two += 1;
                assert!(!neighbours(a.category, b.category));
                assert!(p.matter_of.contains(&1));
                let last = p.matter_of.iter().rposition(|&m| m == 1).unwrap();
                let (m, before) = p.matter(last as u8);
                assert_eq!(m.category, b.category);
                assert_eq!(
                    before as usize,
                    p.matter_of.iter().filter(|&&m| m == 1).count() - 1
                );
            }
        }
        // About a fifth of the persons with three records or more.
        let three = plan.persons.iter().filter(|p| p.days.len() >= 3).count() as f64;
        assert!(
            (0.15..0.25).contains(&(two as f64 / three)),
            "{two} of {three}"
        );
    }
}
