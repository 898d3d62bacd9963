//! Resident ID numbers (居民身份证号码, GB 11643-1999): validation, masking, finding them in
//! letters and repairing OCR damage.
//!
//! Why it exists: the ID number is the strongest key for linking repeat petitioners (重复信访).
//! A wrong number links the wrong people, so a number is trusted (`Valid`) only when its region
//! code, birth date and check character all agree.
//!
//! Must never: invent digits; "repair" a number away from an ID cue word; repair a number stored
//! as a float in a spreadsheet (`4.11528196803124E+17` is damaged for good and stays `Invalid`);
//! use an `Invalid` number as a key (that is the linker's rule, helped by `id_status`).
//!
//! Data: GB 11643-1999 (structure, ISO 7064 MOD 11-2 check), GB/T 2260 province codes, and the
//! Tesseract damage measured in `shared/notes/dependency-facts.md` (`1]4042519680312457X`,
//! spaces inside digit runs, O/o for 0, l/I/| for 1).

use crate::record::IdStatus;
use chrono::{Datelike, NaiveDate, Utc};
use regex::Regex;
use std::sync::LazyLock;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level codes of GB/T 2260 (first two digits of the region code).
fn valid_province(code: u32) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
}

/// The ISO 7064 MOD 11-2 check character (GB 11643-1999) for the first 17 digits; `None` when
/// they are not 17 ASCII digits. The one implementation every module uses.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.iter().zip(WEIGHTS) {
        if !b.is_ascii_digit() {
            return None;
        }
        sum += u32::from(b - b'0') * w;
    }
    Some(CHECK_CHARS[(sum % 11) as usize])
}

fn plausible_birth(y: i32, m: u32, d: u32) -> bool {
    let today = Utc::now().date_naive();
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => y >= 1900 && date <= today && today.year() - y <= 130,
        None => false,
    }
}

/// Normalise (remove spaces, upper-case `x`) and validate an ID number. Full-width digits are
/// folded. Anything that is not 15 digits or 17 digits + digit/`X` is `Invalid`, returned as
/// normalised.
pub fn validate_id(s: &str) -> (String, IdStatus) {
    let norm: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' | '×' => 'X',
            _ => c,
        })
        .collect();
    let status = id_status(&norm);
    (norm, status)
}

fn id_status(n: &str) -> IdStatus {
    let b = n.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = n.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    match b.len() {
        18 => {
            let ok = b[..17].iter().all(u8::is_ascii_digit)
                && digits(0..2).is_some_and(valid_province)
                && matches!((digits(6..10), digits(10..12), digits(12..14)),
                    (Some(y), Some(m), Some(d)) if plausible_birth(y as i32, m, d))
                && check_char(&b[..17]) == Some(b[17] as char);
            if ok {
                IdStatus::Valid
            } else {
                IdStatus::Invalid
            }
        }
        15 => {
            let ok = b.iter().all(u8::is_ascii_digit)
                && digits(0..2).is_some_and(valid_province)
                && matches!((digits(6..8), digits(8..10), digits(10..12)),
                    (Some(y), Some(m), Some(d)) if plausible_birth(1900 + y as i32, m, d));
            if ok {
                IdStatus::Legacy
            } else {
                IdStatus::Invalid
            }
        }
        _ => IdStatus::Invalid,
    }
}

/// An ID number found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdHit {
    pub start: usize,
    pub end: usize,
    /// Normalised (and, if `repaired`, repaired) number.
    pub number: String,
    pub status: IdStatus,
    /// The number as it appears in the text.
    pub raw: String,
    /// OCR look-alikes or junk characters were corrected.
    pub repaired: bool,
}

/// Clean digit runs: 18 (17 + X) or 15 digits, not glued to other digits or letters.
static CLEAN_ID_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{17}[0-9Xx]|[0-9]{15}").expect("id regex"));

/// A cue word and the noisy run that follows it.
static CUED_ID_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:公民身份号码|身份证号码|身份证号|身份号码|身份证|证件号码|证号)(?:码)?\s*(?:[：:]|为|是)?\s*(?P<run>[0-9OoDlIi|\]\[!'`Zz SB\-_.,Xx×]{15,32})",
    )
    .expect("cued id regex")
});

fn lookalike_digit(c: char) -> Option<char> {
    Some(match c {
        '0'..='9' => c,
        'O' | 'o' | 'D' => '0',
        'l' | 'I' | 'i' | '|' => '1',
        'Z' | 'z' => '2',
        'S' => '5',
        'B' => '8',
        _ => return None,
    })
}

/// Try to repair a noisy run after an ID cue. Returns (number, status) when an 18- or 15-char
/// candidate can be formed; the variant that validates wins.
fn repair_run(run: &str) -> Option<(String, IdStatus, usize)> {
    // Cut the run where it clearly ends: 2+ spaces or a character that is not part of it.
    let run = run.trim_end();
    let mut variants: Vec<(String, usize)> = Vec::new();
    // Variant A: junk brackets dropped. Variant B: junk brackets read as 1.
    for bracket_is_one in [false, true] {
        let mut s = String::new();
        let mut consumed = 0;
        for (i, c) in run.char_indices() {
            let len = s.len();
            if len >= 18 {
                break;
            }
            if let Some(d) = lookalike_digit(c) {
                s.push(d);
            } else if matches!(c, 'X' | 'x' | '×') {
                if len == 17 {
                    s.push('X');
                } else {
                    break;
                }
            } else if matches!(c, ']' | '[' | '!' | '\'' | '`') {
                if bracket_is_one {
                    s.push('1');
                }
            } else if matches!(c, ' ' | '-' | '_' | '.' | ',') {
                // separators and specks inside the run
            } else {
                break;
            }
            consumed = i + c.len_utf8();
        }
        variants.push((s, consumed));
    }
    let rank = |st: IdStatus| match st {
        IdStatus::Valid => 3,
        IdStatus::Legacy => 2,
        IdStatus::Invalid => 1,
    };
    let mut best: Option<(String, IdStatus, usize)> = None;
    for (s, consumed) in variants {
        if !(15..=18).contains(&s.len()) {
            continue;
        }
        let status = id_status(&s);
        if s.len() == 15 && status != IdStatus::Legacy {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(_, b, _)| rank(status) > rank(*b))
        {
            best = Some((s, status, consumed));
        }
    }
    best
}

/// Every ID number in `text`: clean 18/15-digit runs anywhere, and, right after an ID cue word,
/// noisy runs repaired (look-alike letters, junk brackets, spaces). Ordered by position.
pub(crate) fn find_ids(text: &str) -> Vec<IdHit> {
    let bytes = text.as_bytes();
    let mut hits: Vec<IdHit> = Vec::new();
    for m in CLEAN_ID_RE.find_iter(text) {
        let glued_before = m.start() > 0 && bytes[m.start() - 1].is_ascii_alphanumeric();
        let glued_after = bytes
            .get(m.end())
            .is_some_and(|b| b.is_ascii_alphanumeric());
        if glued_before || glued_after {
            continue;
        }
        let (number, status) = validate_id(m.as_str());
        // A bare 15-digit run is an ID only when it validates as a legacy number.
        if number.len() == 15 && status != IdStatus::Legacy {
            continue;
        }
        hits.push(IdHit {
            start: m.start(),
            end: m.end(),
            number,
            status,
            raw: m.as_str().to_owned(),
            repaired: false,
        });
    }
    for caps in CUED_ID_RE.captures_iter(text) {
        let run = caps.name("run").expect("run group");
        if hits
            .iter()
            .any(|h| h.start < run.end() && run.start() < h.end)
        {
            continue;
        }
        if let Some((number, status, consumed)) = repair_run(run.as_str()) {
            let raw = run.as_str()[..consumed].trim_end().to_owned();
            let repaired = raw.chars().filter(|c| *c != ' ').collect::<String>() != number;
            hits.push(IdHit {
                start: run.start(),
                end: run.start() + raw.len(),
                number,
                status,
                raw,
                repaired,
            });
        }
    }
    hits.sort_by_key(|h| h.start);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_real_structure() {
        // Check characters computed with ISO 7064 MOD 11-2.
        assert_eq!(
            validate_id("11010519491231002X"),
            ("11010519491231002X".into(), IdStatus::Valid)
        );
        assert_eq!(validate_id("11010519491231002x").1, IdStatus::Valid);
        assert_eq!(
            validate_id("4115 2819 6803 1245 7X").0,
            "41152819680312457X"
        );
        assert_eq!(
            validate_id("110105194912310021").1,
            IdStatus::Invalid,
            "bad check char"
        );
        assert_eq!(
            validate_id("99010519491231002X").1,
            IdStatus::Invalid,
            "bad province"
        );
        assert_eq!(
            validate_id("110105194902300026").1,
            IdStatus::Invalid,
            "30 Feb"
        );
        assert_eq!(
            validate_id("110105299901010012").1,
            IdStatus::Invalid,
            "future"
        );
        assert_eq!(
            validate_id("4.11528196803124E+17").1,
            IdStatus::Invalid,
            "float-damaged"
        );
        assert_eq!(validate_id("411528680312457").1, IdStatus::Legacy);
        assert_eq!(
            validate_id("411528681312457").1,
            IdStatus::Invalid,
            "month 13"
        );
        assert_eq!(validate_id("").1, IdStatus::Invalid);
        assert_eq!(
            validate_id("１１０１０５１９４９１２３１００２Ｘ").1,
            IdStatus::Valid
        );
    }

    #[test]
    fn check_char_matches_the_standard_example() {
        // GB 11643-1999 appendix example.
        assert_eq!(check_char(b"11010519491231002"), Some('X'));
        assert_eq!(check_char(b"4402011965012"), None);
    }

    #[test]
    fn finds_clean_and_skips_glued_runs() {
        let t = "身份证号：11010519491231002X，账号6222021101051949123100212345";
        let hits = find_ids(t);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].number, "11010519491231002X");
        assert_eq!(hits[0].status, IdStatus::Valid);
        assert!(!hits[0].repaired);
    }

    #[test]
    fn repairs_tesseract_junk_only_after_a_cue() {
        // Tesseract read 11010519491231002X as `1]1010519491231002X` (bracket inserted).
        let t = "身份证号码 : 1]1010519491231002X\n";
        let hits = find_ids(t);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].number, "11010519491231002X");
        assert_eq!(hits[0].status, IdStatus::Valid);
        assert!(hits[0].repaired);
        assert_eq!(hits[0].raw, "1]1010519491231002X");

        // Bracket standing for a lost 1.
        let t = "证号：]1010519491231002X";
        assert_eq!(find_ids(t)[0].number, "11010519491231002X");

        // O for 0, l for 1, spaces inside the run.
        let t = "公民身份号码 l1O1O5 1949 1231 OO2X 电话";
        let h = &find_ids(t)[0];
        assert_eq!(
            (h.number.as_str(), h.status, h.repaired),
            ("11010519491231002X", IdStatus::Valid, true)
        );

        // The same junk without a cue is left alone.
        assert!(find_ids("编号 1]1010519491231002X").is_empty());
    }

    #[test]
    fn invalid_numbers_are_kept_and_flagged() {
        let t = "身份证：110105194912310021";
        let h = &find_ids(t)[0];
        assert_eq!(h.status, IdStatus::Invalid);
        assert_eq!(h.number, "110105194912310021");
    }
}
