//! Duplicate letters (重复件): the same letter received more than once — re-sent, copied to several
//! offices, re-typed, or photocopied and signed by different people (a joint letter, 联名信).
//!
//! Why it exists: a clerk must count a petition once, yet see every copy. Exact copies are found by
//! a hash of the normalised body; near copies by MinHash locality-sensitive hashing over character
//! trigrams of that body, each candidate then verified by an exact Jaccard similarity when both
//! texts are at hand (the batch, or the caller's text source for archived records), by the sketch's
//! estimate otherwise.
//!
//! What it must never do: compare all pairs, drop a duplicate (it is marked, counted and shown), or
//! let the signature block decide: signatures, names, dates, ID and phone numbers are stripped
//! before hashing, so that one photocopied text signed by different people is one group, while two
//! different people's short ledger lines that happen to read the same (要求解决低保问题) are not
//! duplicates (short bodies are compared together with their petitioner and date).
//!
//! Where its data comes from: `Record.text` and `Record.petitioners[*].name`.

use super::state::{hash_str, key32, mix64, Sketch, SKETCH};

/// Characters a normalised body needs to be shingled; shorter bodies (typical ledger summaries,
/// which clerks word alike for different people: 反映高速征地补偿款未足额发放…) are duplicates
/// only when text, first petitioner and date all agree.
pub(crate) const MIN_BODY_CHARS: usize = 60;
/// LSH banding: 8 bands of 3 MinHash values (candidate probability 0.86 at Jaccard 0.6, 0.97 at
/// 0.7, 0.997 at 0.8; 0.001 at 0.1).
pub(crate) const BANDS: usize = 8;
pub(crate) const ROWS: usize = SKETCH / BANDS;
/// Verified similarity (Jaccard of trigram sets) from which two letters are duplicates. Re-typed
/// copies in the sample corpus score 0.76–0.95; different letters that share stock sentences
/// reached 0.62–0.67 in a 100k generated archive.
pub(crate) const DUP_JACCARD: f32 = 0.7;
/// Most recent records looked at per LSH bucket (bounds the cost of boilerplate-heavy buckets).
pub(crate) const BUCKET_CAP: usize = 32;

/// The body a duplicate is judged on: the text before the closing 此致 (when it closes the letter),
/// without the petitioners' names, without digits (dates, ID and phone numbers, amounts), without
/// whitespace and punctuation, with full-width Latin folded to ASCII lower case.
pub(crate) fn normalise_body(text: &str, names: &[&str]) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut end = chars.len();
    // The closing formula starts the signature block; cut there when it is in the latter part.
    if let Some(pos) = rfind(&chars, &['此', '致']) {
        if pos * 2 >= chars.len() {
            end = pos;
        }
    }
    let body: Vec<char> = chars[..end].iter().filter_map(|&c| fold_char(c)).collect();
    let mut patterns: Vec<Vec<char>> = names
        .iter()
        .map(|name| name.chars().filter_map(fold_char).collect::<Vec<char>>())
        .filter(|n| n.len() >= 2)
        .collect();
    // Signature labels left over when the letter had no 此致.
    patterns.extend(
        SIGNATURE_LABELS
            .iter()
            .map(|l| l.chars().collect::<Vec<char>>()),
    );
    remove_all(&body, &patterns)
}

/// Labels of a signature block, removed from the body wherever they are.
const SIGNATURE_LABELS: [&str; 8] = [
    "信访人",
    "联名人",
    "签名",
    "具名",
    "落款",
    "联系电话",
    "身份证号码",
    "身份证号",
];

fn fold_char(c: char) -> Option<char> {
    let c = match c {
        '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    };
    // The common case first: `is_alphabetic` is a slow table lookup for Han characters.
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        Some(c)
    } else if c.is_ascii_alphabetic() {
        Some(c.to_ascii_lowercase())
    } else if c.is_alphabetic() && !c.is_ascii() && !is_digit_like(c) {
        Some(c)
    } else {
        None
    }
}

fn is_digit_like(c: char) -> bool {
    c.is_numeric() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

fn rfind(h: &[char], n: &[char]) -> Option<usize> {
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .rev()
        .find(|&i| &h[i..i + n.len()] == n)
}

/// `body` without any occurrence of the patterns, in one pass (the first pattern that matches at
/// a position wins, so list longer patterns before their prefixes).
fn remove_all(body: &[char], patterns: &[Vec<char>]) -> Vec<char> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let rest = &body[i..];
        // First characters compared inline: a slice comparison at every position was a call to
        // memcmp per pattern per character.
        match patterns
            .iter()
            .find(|p| p.first() == rest.first() && rest.starts_with(p))
        {
            Some(p) => i += p.len(),
            None => {
                out.push(body[i]);
                i += 1;
            }
        }
    }
    out
}

/// Sorted, distinct hashes of the body's character trigrams.
pub(crate) fn shingles(body: &[char]) -> Vec<u64> {
    let mut v: Vec<u64> = body
        .windows(3)
        .map(|w| mix64(((w[0] as u64) << 42) ^ ((w[1] as u64) << 21) ^ (w[2] as u64)))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A shingle set in half the memory, for keeping: each shingle's low 32 bits, sorted (two of a
/// letter's few hundred shingles collide with probability ~10⁻⁵, which moves no Jaccard decision).
pub(crate) fn compact(shingles: &[u64]) -> Box<[u32]> {
    let mut v: Vec<u32> = shingles.iter().map(|&x| x as u32).collect();
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

/// Exact Jaccard similarity of two sorted shingle sets.
pub(crate) fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f32 / (a.len() + b.len() - inter) as f32
}

const SEEDS: [u64; SKETCH] = {
    let mut s = [0u64; SKETCH];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut i = 0;
    while i < SKETCH {
        // splitmix64 steps, evaluated at compile time.
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        s[i] = z ^ (z >> 31);
        i += 1;
    }
    s
};

/// The body's fingerprint: text hash, 24-value MinHash sketch (low 8 bits of each minimum, see
/// [`one_permutation_sketch`]) and whether the body was too short to shingle.
pub(crate) struct Fingerprint {
    pub text_hash: u64,
    pub sketch: Sketch,
    pub short: bool,
    /// Distinct trigram hashes (kept only while the batch is linked).
    pub shingles: Vec<u64>,
}

/// Fingerprints a record's body. `identity` (first petitioner's name and the date) is folded in
/// for short bodies, so that equal short lines from different people or days stay apart.
pub(crate) fn fingerprint(body: &[char], identity: &str) -> Fingerprint {
    let text: String = body.iter().collect();
    if body.len() < MIN_BODY_CHARS {
        let h = hash_str(&format!("{text}\u{1f}{identity}"));
        let mut sketch: Sketch = [0; SKETCH];
        for (i, s) in sketch.iter_mut().enumerate() {
            *s = mix64(h ^ SEEDS[i]) as u8;
        }
        return Fingerprint {
            text_hash: h,
            sketch,
            short: true,
            shingles: Vec::new(),
        };
    }
    let sh = shingles(body);
    Fingerprint {
        sketch: one_permutation_sketch(&sh),
        text_hash: hash_str(&text),
        short: false,
        shingles: sh,
    }
}

/// The MinHash sketch of a non-empty shingle set by one-permutation hashing (Li, Owen & Zhang
/// 2012): each shingle hash falls in one of the 24 bins by its high bits, and a bin keeps its
/// smallest hash; a bin no shingle fell in takes the nearest non-empty bin to its right, mixed
/// with the distance (rotation densification, Shrivastava & Li 2014), so that two sets agree
/// on it exactly as often as on that bin. Two sketches agree on a bin with probability about
/// the sets' Jaccard similarity, as with 24 independent hash functions, at one comparison per
/// shingle instead of 24 hash evaluations (those were 4 % of a 1M ingest's CPU).
fn one_permutation_sketch(shingles: &[u64]) -> Sketch {
    let mut mins = [u64::MAX; SKETCH];
    for &x in shingles {
        // The shingle hashes are mix64 outputs: their high 32 bits pick the bin uniformly.
        let bin = (((x >> 32) * SKETCH as u64) >> 32) as usize;
        mins[bin] = mins[bin].min(x);
    }
    std::array::from_fn(|i| {
        (0..SKETCH)
            .find_map(|d| {
                let m = mins[(i + d) % SKETCH];
                (m != u64::MAX).then(|| match d {
                    0 => m as u8,
                    _ => mix64(m ^ SEEDS[d]) as u8,
                })
            })
            .unwrap_or(0)
    })
}

/// The LSH bucket keys of a sketch, one per band.
pub(crate) fn band_keys(sketch: &Sketch) -> [u32; BANDS] {
    std::array::from_fn(|b| band_key(sketch, b))
}

/// The LSH bucket key of one band of a sketch.
pub(crate) fn band_key(sketch: &Sketch, band: usize) -> u32 {
    let mut v: u64 = 0;
    for r in 0..ROWS {
        v = (v << 8) | sketch[band * ROWS + r] as u64;
    }
    key32(0x6c73_6800 + band as u64, v)
}

/// Share of equal sketch positions: an estimate of the Jaccard similarity (±0.1).
pub(crate) fn sketch_similarity(a: &Sketch, b: &Sketch) -> f32 {
    a.iter().zip(b.iter()).filter(|(x, y)| x == y).count() as f32 / SKETCH as f32
}

/// [`sketch_similarity`] of an LSH candidate, leaving out the first band on which the sketches
/// agree: that band is why the record is a candidate, so its rows always agree and would bias the
/// estimate upwards. Different letters sharing stock sentences (Jaccard 0.1–0.3) came out at
/// 0.4–0.5 with the band counted, and had their texts read back to be told apart: 923,348 reads
/// in a 1M ingest, 109,945 without the band; at 100k, a seventh as many candidates to verify and
/// no duplicate lost. For a copy at Jaccard 0.7 the other 21 rows stay an unbiased sample.
pub(crate) fn candidate_similarity(a: &Sketch, b: &Sketch) -> f32 {
    let equal = |r: std::ops::Range<usize>| {
        a[r.clone()]
            .iter()
            .zip(&b[r])
            .filter(|(x, y)| x == y)
            .count()
    };
    let all = equal(0..SKETCH);
    match (0..BANDS).find(|band| equal(band * ROWS..(band + 1) * ROWS) == ROWS) {
        Some(_) => (all - ROWS) as f32 / (SKETCH - ROWS) as f32,
        None => all as f32 / SKETCH as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = "尊敬的县信访局领导：我们是清溪县城关镇东关村村民，二〇二三年村里修建高速公路，\
        征用了我们组的耕地八十余亩，每亩补偿款至今没有发放到位，村委会说镇里没有拨款，镇里说已经拨付到村，\
        我们多次找村干部都没有结果。请求领导查清补偿款去向，尽快发放到每户村民手中。此致\n敬礼！\n\
        信访人：张建国 电话13812345678\n2024年3月5日";

    #[test]
    fn signature_block_and_names_do_not_matter() {
        let other = LETTER
            .replace("张建国", "李秀兰")
            .replace("13812345678", "13900001111")
            .replace("2024年3月5日", "2024年4月1日");
        let a = normalise_body(LETTER, &["张建国"]);
        let b = normalise_body(&other, &["李秀兰"]);
        assert_eq!(a, b);
        assert!(
            !a.contains(&'礼'),
            "the closing formula and signature are cut"
        );
    }

    #[test]
    fn retyped_letter_is_similar_and_unrelated_is_not() {
        let edited = LETTER
            .replace("八十余亩", "80多亩")
            .replace("至今没有", "至今都没有")
            .replace("请求领导", "恳请领导");
        let a = shingles(&normalise_body(LETTER, &[]));
        let b = shingles(&normalise_body(&edited, &[]));
        let j = jaccard(&a, &b);
        assert!(j > 0.7, "{j}");
        let c = shingles(&normalise_body(
            "县信访局：本人是退役军人，多年来一直没有享受优抚待遇，民政部门推诿，请求依法落实优抚政策，\
             解决生活困难，盼望领导关心老兵，给予答复。",
            &[],
        ));
        assert!(jaccard(&a, &c) < 0.1);
    }

    #[test]
    fn short_bodies_carry_identity() {
        let a = fingerprint(&normalise_body("要求解决低保问题", &[]), "张三|2024-01-01");
        let b = fingerprint(&normalise_body("要求解决低保问题", &[]), "李四|2024-01-01");
        assert!(a.short && b.short);
        assert_ne!(a.text_hash, b.text_hash);
        assert!(sketch_similarity(&a.sketch, &b.sketch) < 0.2);
    }

    #[test]
    fn candidate_similarity_leaves_out_the_band_that_made_the_candidate() {
        let a: Sketch = std::array::from_fn(|i| i as u8);
        // Agrees on the first band and on three rows elsewhere (6 of 24 in all).
        let mut b: Sketch = std::array::from_fn(|i| 100 + i as u8);
        for i in (0..ROWS).chain([5, 9, 13]) {
            b[i] = a[i];
        }
        assert_eq!(sketch_similarity(&a, &b), 6.0 / 24.0);
        assert_eq!(candidate_similarity(&a, &b), 3.0 / 21.0);
        // No band in common (found through its petitioner, not LSH): every row counts.
        let mut c: Sketch = std::array::from_fn(|i| 100 + i as u8);
        for i in (0..SKETCH).step_by(ROWS) {
            c[i] = a[i];
        }
        assert_eq!(candidate_similarity(&a, &c), BANDS as f32 / 24.0);
        assert_eq!(candidate_similarity(&a, &a), 1.0);
    }
}
