//! Phone numbers (联系电话): finding the petitioner's own number, normalising and masking it.
//!
//! Why it exists: a phone number is how a clerk reaches the petitioner, and the second-best key
//! for repeat petitions. Letters also quote the numbers of village committees, lawyers, officials
//! and the person who wrote the letter for the petitioner (代笔人); those must not be taken as
//! the petitioner's.
//!
//! Must never: read a phone out of an ID number or a longer digit run; attribute a number that
//! follows a cue for someone else (村委会, 律师, 代笔人, 书记/主任 …) to the petitioner.
//!
//! Data: numbering plan (mobile `1[3-9]` + 9 digits; landline 0 + 2–3 digit area code + 7–8 digit
//! number, area codes `01x`/`02x` having 3 digits) and Tesseract's habit of spacing digit groups.

use regex::Regex;
use std::sync::LazyLock;

static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<mobile>1[3-9][0-9](?:[ \-－]{0,3}[0-9]){8})|(?P<land>[(（]?0[1-9][0-9]{1,2}[)）]?\s?[\-－—]?\s?[1-9][0-9]{2,3}[\- ]?[0-9]{4})",
    )
    .expect("phone regex")
});

/// Words that, in the same clause before a number, say it belongs to someone other than the
/// petitioner.
const OTHER_PARTY_CUES: &[&str] = &[
    "村委会",
    "村委",
    "居委会",
    "村支部",
    "律师",
    "代笔",
    "代书",
    "书记",
    "主任",
    "镇长",
    "乡长",
    "县长",
    "局长",
    "所长",
    "科长",
    "村长",
    "组长",
    "会计",
    "干部",
    "办公室",
    "政府",
    "派出所",
    "信访局",
    "法院",
    "公司",
    "经理",
    "老板",
    "包工头",
    "承办人",
    "经办人",
];

/// A phone number found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PhoneHit {
    pub start: usize,
    pub end: usize,
    /// Normalised: 11-digit mobile, or `0371-2345678`.
    pub number: String,
    pub raw: String,
    /// The clause before the number names someone else (village committee, lawyer, …).
    pub other_party: bool,
}

/// Normalise a phone written any usual way; `None` when it is not a phone number.
pub(crate) fn normalise_phone(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let t = s.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    let digits = if t.len() < s.trim().len() {
        t.chars().filter(char::is_ascii_digit).collect()
    } else {
        digits
    };
    let b = digits.as_bytes();
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
        return Some(digits);
    }
    if b.len() >= 10 && b.len() <= 12 && b[0] == b'0' && b[1] != b'0' {
        let area = if matches!(b[1], b'1' | b'2') { 3 } else { 4 };
        let local = &digits[area..];
        if (7..=8).contains(&local.len()) && !local.starts_with(['0', '1']) {
            return Some(format!("{}-{}", &digits[..area], local));
        }
    }
    None
}

/// The clause before byte offset `at`: back to the previous sentence or clause break, at most
/// 24 characters.
fn clause_before(text: &str, at: usize) -> &str {
    let head = &text[..at];
    let mut start = at;
    for (n, (i, c)) in head.char_indices().rev().enumerate() {
        if n >= 24 || matches!(c, '。' | '；' | '！' | '？' | '\n' | '，' | ',' | ';') {
            break;
        }
        start = i;
    }
    &text[start..at]
}

/// `cue` occurs in `clause` as a word, not inside a place name: `清溪县长岭镇` holds `县长`, but
/// a title is not followed by the rest of a township or village name (`岭镇`, `家村`).
fn names_someone(clause: &str, cue: &str) -> bool {
    clause.match_indices(cue).any(|(i, _)| {
        let rest = &clause[i + cue.len()..];
        !PLACE_TAIL_RE.is_match(rest)
    })
}

static PLACE_TAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Han}{1,3}?(?:镇|乡|村|街道|社区)").expect("place tail regex")
});

/// Every phone number in `text`, skipping digits inside the given ID-number spans.
pub(crate) fn find_phones(text: &str, id_spans: &[(usize, usize)]) -> Vec<PhoneHit> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(caps) = PHONE_RE.captures_at(text, pos) {
        let m = caps.get(0).expect("group 0");
        pos = m.end();
        let glued = (m.start() > 0 && bytes[m.start() - 1].is_ascii_alphanumeric())
            || bytes
                .get(m.end())
                .is_some_and(|b| b.is_ascii_digit() || *b == b'X' || *b == b'x');
        if glued || id_spans.iter().any(|&(s, e)| s < m.end() && m.start() < e) {
            // A rejected match (inside an ID number) may overlap the real number that follows
            // it: search again from the next character, not from the end of the match.
            pos = m.start() + 1;
            while !text.is_char_boundary(pos) {
                pos += 1;
            }
            continue;
        }
        let Some(number) = normalise_phone(m.as_str()) else {
            continue;
        };
        let clause = clause_before(text, m.start());
        let other_party = OTHER_PARTY_CUES.iter().any(|c| names_someone(clause, c));
        out.push(PhoneHit {
            start: m.start(),
            end: m.end(),
            number,
            raw: m.as_str().to_owned(),
            other_party,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(
            normalise_phone("139 3551 2345").as_deref(),
            Some("13935512345")
        );
        assert_eq!(
            normalise_phone("139-3551-2345").as_deref(),
            Some("13935512345")
        );
        assert_eq!(
            normalise_phone("13935512345.0").as_deref(),
            Some("13935512345")
        );
        assert_eq!(
            normalise_phone("0371-2345678").as_deref(),
            Some("0371-2345678")
        );
        assert_eq!(
            normalise_phone("(0371)23456789").as_deref(),
            Some("0371-23456789")
        );
        assert_eq!(
            normalise_phone("01062345678").as_deref(),
            Some("010-62345678")
        );
        assert_eq!(normalise_phone("12345678901"), None);
        assert_eq!(normalise_phone("411528196803124571"), None);
    }

    #[test]
    fn finds_own_phone_and_flags_others() {
        let t = "村委会主任李明电话13811112222，我的电话：139 3551 2345。代笔人：刘文 电话：13700001111\n律师（0371-2345678）";
        let hits = find_phones(t, &[]);
        let got: Vec<(&str, bool)> = hits
            .iter()
            .map(|h| (h.number.as_str(), h.other_party))
            .collect();
        assert_eq!(
            got,
            vec![
                ("13811112222", true),
                ("13935512345", false),
                ("13700001111", true),
                ("0371-2345678", true)
            ]
        );
    }

    #[test]
    fn a_title_inside_a_place_name_is_not_someone_else() {
        let t = "反映人：蔡建设，男，现住清溪县长岭镇茶棚村  手机号码：15714879689。";
        let hits = find_phones(t, &[]);
        assert_eq!(hits.len(), 1);
        assert!(!hits[0].other_party);
        let t = "村主任王杰（电话13811112222）说钱已经用完了。";
        assert!(find_phones(t, &[])[0].other_party);
        let t = "我去找清溪县长，县长电话13811112222。";
        assert!(find_phones(t, &[])[0].other_party);
    }

    #[test]
    fn finds_a_phone_right_after_an_id_number() {
        let t = "1. 郝永福411528194612188075  13776114536";
        let id = t.find('4').unwrap();
        let hits = find_phones(t, &[(id, id + 18)]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].number, "13776114536");
    }

    #[test]
    fn finds_a_phone_with_ocr_gaps() {
        for t in ["电话187- 45900929", "电话 135 - 9357 - 5706"] {
            let hits = find_phones(t, &[]);
            assert_eq!(hits.len(), 1, "{t}");
            assert_eq!(hits[0].number.len(), 11, "{t}");
        }
    }

    #[test]
    fn ignores_digits_inside_ids_and_long_runs() {
        let t = "身份证号411528199913935512，卡号6222139355123451234";
        assert!(find_phones(t, &[(t.find('4').unwrap(), t.find('，').unwrap())]).is_empty());
    }
}
