//! Dates: parsing every way a petition writes a date, and choosing the date *of the letter*.
//!
//! Why it exists: the letter date (the petitioner's own date under the signature) drives
//! deadlines (限期办结), repeat-petition windows and statistics by month. Letters also contain
//! birth dates, dates of events in the narration and the date of a forwarding cover note; none
//! of those is the letter date.
//!
//! Must never: guess a date from a partial one (`2023年5月` is not a letter date), read a date
//! out of the middle of a digit run (an ID number holds a birth date), or treat a bare number as
//! an Excel serial date unless the caller says the cell is a date.
//!
//! Data: formats seen in letters and ledgers (see `shared/domain/GLOSSARY.md`): `2024年3月5日`,
//! `二〇二四年三月五日` (also `二0二四`, `○`, `零`), `2024.3.5`, `2024/3/5`, `2024-03-05`,
//! `20240305`, Excel serial numbers.

use chrono::{Duration, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

/// One date found in a text, with byte offsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DateHit {
    pub start: usize,
    pub end: usize,
    pub date: NaiveDate,
}

const CN_DIGITS: &str = "〇○零O0-9一二三四五六七八九";

static DATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Five digits: OCR sometimes doubles a character (`二OO二一年`); see `parse_year`. One
    // OCR speck may stand before 日 (`十月十四上日`).
    let y = format!("[{CN_DIGITS}]{{4,5}}");
    let md = "(?:[一二三四五六七八九十]{1,3}|[0-9]{1,2})";
    Regex::new(&format!(
        r"(?x)
        (?P<y>{y})\s*年\s*(?P<m>{md})\s*月\s*(?P<d>{md})\s*(?:[\p{{Han}}&&[^日号年月]]?\s*(?P<ri>[日号]))?
        | (?P<y2>[0-9]{{4}})\s*(?P<sep>[./\-．])\s*(?P<m2>[0-9]{{1,2}})\s*[./\-．]\s*(?P<d2>[0-9]{{1,2}})
        "
    ))
    .expect("date regex")
});

static COMPACT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})([0-9]{2})([0-9]{2})$").expect("compact date regex"));

static TIME_TAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[T ]\s*[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2}(?:\.[0-9]+)?)?)?\s*$")
        .expect("time tail regex")
});

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '○' | '零' | 'O' | 'o' | '0' => 0,
        '一' | '1' => 1,
        '二' | '2' => 2,
        '三' | '3' => 3,
        '四' | '4' => 4,
        '五' | '5' => 5,
        '六' | '6' => 6,
        '七' | '7' => 7,
        '八' | '8' => 8,
        '九' | '9' => 9,
        _ => return None,
    })
}

/// Year written digit by digit: `2024`, `二〇二四`, `二0二四`.
fn parse_year(s: &str) -> Option<i32> {
    let digits: Vec<u32> = s.chars().map(cn_digit).collect::<Option<_>>()?;
    let value = |d: &[u32]| d.iter().fold(0u32, |y, x| y * 10 + x) as i32;
    match digits.len() {
        4 => Some(value(&digits)),
        // OCR doubled one character: drop the first repeated digit if that leaves a year.
        5 => (1..5)
            .filter(|&i| digits[i] == digits[i - 1])
            .map(|i| {
                let mut d = digits.clone();
                d.remove(i);
                value(&d)
            })
            .find(|y| (1900..=2100).contains(y)),
        _ => None,
    }
}

/// Month or day: `3`, `03`, `三`, `十`, `十二`, `二十一`, `三十`.
fn parse_small(s: &str) -> Option<u32> {
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', u] => Some(10 + cn_digit(*u)?),
        [t, '十'] => Some(cn_digit(*t)? * 10),
        [t, '十', u] => Some(cn_digit(*t)? * 10 + cn_digit(*u)?),
        [u] => cn_digit(*u),
        _ => None,
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn hit_from_caps(caps: &regex::Captures) -> Option<NaiveDate> {
    if let Some(y) = caps.name("y") {
        let (m, d) = (caps.name("m")?.as_str(), caps.name("d")?.as_str());
        let ys = y.as_str();
        // A Chinese year needs Chinese month/day or 日: `二〇二四年3月5日` is fine, but a
        // half-Arabic year such as `2O24` only comes from OCR and is accepted the same way.
        let has_ri = caps.name("ri").is_some();
        let cn_md =
            !m.chars().all(|c| c.is_ascii_digit()) || !d.chars().all(|c| c.is_ascii_digit());
        if cn_md && !has_ri {
            return None;
        }
        if !ys.chars().all(|c| c.is_ascii_digit()) && !cn_md && !has_ri {
            return None;
        }
        return ymd(parse_year(ys)?, parse_small(m)?, parse_small(d)?);
    }
    let y: i32 = caps.name("y2")?.as_str().parse().ok()?;
    ymd(
        y,
        caps.name("m2")?.as_str().parse().ok()?,
        caps.name("d2")?.as_str().parse().ok()?,
    )
}

/// Parse a whole string as a date: `2024年3月5日`, `二〇二四年三月五日`, `2024.3.5`,
/// `2024/3/5`, `2024-03-05` (optionally followed by a time), `20240305`. Surrounding spaces are
/// ignored. Bare Excel serial numbers are *not* accepted here: see [`excel_serial_to_date`].
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Some(c) = COMPACT_RE.captures(t) {
        return ymd(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    }
    let caps = DATE_RE.captures(t)?;
    let m = caps.get(0)?;
    if m.start() != 0 || !TIME_TAIL_RE.is_match(&t[m.end()..]) {
        return None;
    }
    hit_from_caps(&caps)
}

/// Convert an Excel serial day number (1900 date system, as spreadsheets store dates) to a
/// date. The fractional part (time of day) is dropped. Excel's phantom 1900-02-29 (serial 60)
/// gives `None`.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    match days {
        60 => None,
        1..=59 => base.checked_add_signed(Duration::days(days + 1)),
        _ => base.checked_add_signed(Duration::days(days)),
    }
}

/// Every full date in `text`, in order, with byte offsets; dates glued to other digits (inside
/// ID numbers or account numbers) are skipped.
pub(crate) fn find_dates(text: &str) -> Vec<DateHit> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for caps in DATE_RE.captures_iter(text) {
        let m = caps.get(0).expect("group 0");
        let before_digit = m.start() > 0 && bytes[m.start() - 1].is_ascii_digit();
        let after_digit = bytes.get(m.end()).is_some_and(|b| b.is_ascii_digit());
        if before_digit || after_digit {
            continue;
        }
        if let Some(date) = hit_from_caps(&caps) {
            out.push(DateHit {
                start: m.start(),
                end: m.end(),
                date,
            });
        }
    }
    out
}

/// A birth date: `1968年3月12日出生`, `出生于1968年3月12日`, `出生日期：…`.
fn is_birth_date(text: &str, hit: &DateHit) -> bool {
    let after: String = text[hit.end..].chars().take(4).collect();
    let before: String = {
        let b: Vec<char> = text[..hit.start].chars().rev().take(8).collect();
        b.into_iter().rev().collect()
    };
    after.starts_with("出生")
        || after.starts_with("生人")
        || after.starts_with('生') && !after.starts_with("生效")
        || before.contains("出生")
        || before.contains("生于")
        || before.contains("生日")
}

/// Words that introduce an event in the narration (`于2023年5月3日`, `截至2024年1月1日`).
fn is_event_date(text: &str, hit: &DateHit) -> bool {
    let before: Vec<char> = text[..hit.start].chars().rev().take(3).collect();
    let b0 = before.first().copied();
    let b1 = before.get(1).copied();
    matches!(
        b0,
        Some('于' | '在' | '从' | '自' | '至' | '到' | '是' | '截' | '止' | '了' | '的')
    ) || matches!(
        (b1, b0),
        (Some('截'), Some('至')) | (Some('直'), Some('到'))
    )
}

/// Line that holds only the date (after an optional `日期：`/`落款：` and a signature such as
/// `信访人：王建国`).
fn is_signature_date(text: &str, hit: &DateHit, signature_cues: &[&str]) -> bool {
    let line_start = text[..hit.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[hit.end..]
        .find('\n')
        .map_or(text.len(), |i| hit.end + i);
    let before = text[line_start..hit.start].trim();
    let after = text[hit.end..line_end].trim();
    // OCR leaves specks after a date on its own line (`2021-09-17-`, `2024年3月5日 .`).
    let after_ok = after.starts_with(['（', '('])
        || after.chars().all(|c| {
            matches!(
                c,
                '。' | '.' | '-' | '—' | '_' | '·' | ',' | '，' | '、' | '~' | ' ' | '\''
            )
        });
    let before_ok = before.is_empty()
        || ["日期", "落款", "时间"]
            .iter()
            .any(|c| before.starts_with(c))
            && before.chars().count() <= 6
        || signature_cues.iter().any(|c| before.starts_with(c)) && !before.contains(['，', '。']);
    after_ok && before_ok
}

/// Choose the date of the letter in `body` (the letter without any cover note): the last date
/// standing on its own signature/date line; else the last date that closes a line and is not a
/// birth or event date. Returns the hit (for evidence) or `None`.
pub(crate) fn letter_date(body: &str, signature_cues: &[&str]) -> Option<DateHit> {
    let hits = find_dates(body);
    let candidates: Vec<&DateHit> = hits.iter().filter(|h| !is_birth_date(body, h)).collect();
    if let Some(h) = candidates
        .iter()
        .rev()
        .find(|h| is_signature_date(body, h, signature_cues))
    {
        return Some((*h).clone());
    }
    candidates
        .iter()
        .rev()
        .find(|h| {
            let rest = body[h.end..].trim_start_matches([' ', '\t', '\u{3000}']);
            let closes = rest.is_empty() || rest.starts_with(['\n', '。']);
            closes && !is_event_date(body, h)
        })
        .map(|h| (*h).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn parses_all_written_forms() {
        let cases = [
            ("2024年3月5日", d(2024, 3, 5)),
            ("2024 年 3 月 5 日", d(2024, 3, 5)),
            ("2024年03月05日", d(2024, 3, 5)),
            ("二〇二四年三月五日", d(2024, 3, 5)),
            ("二0二四年三月五日", d(2024, 3, 5)),
            ("二○二三年十二月三十一日", d(2023, 12, 31)),
            ("二零一九年十月二十日", d(2019, 10, 20)),
            ("2024.3.5", d(2024, 3, 5)),
            ("2024/3/5", d(2024, 3, 5)),
            ("2024-03-05", d(2024, 3, 5)),
            ("2024-03-05 14:30:00", d(2024, 3, 5)),
            ("2024-03-05T14:30", d(2024, 3, 5)),
            ("20240305", d(2024, 3, 5)),
            (" 2023.12.31 ", d(2023, 12, 31)),
            ("2024年3月5号", d(2024, 3, 5)),
            ("二OO二一年六月二十一日", d(2021, 6, 21)),
            ("二O〇二一年七月二十九日", d(2021, 7, 29)),
            // An OCR speck before 日.
            ("二〇二一年十月十四上日", d(2021, 10, 14)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_date(s), Some(want), "{s}");
        }
    }

    #[test]
    fn rejects_partial_and_impossible_dates() {
        for s in [
            "2023年5月",
            "2024年2月30日",
            "45356",
            "2024",
            "三月五日",
            "2024.13.1",
            "1850年1月1日",
            "20241301",
            "2024年3月5日上午在镇政府",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_to_date(45356.0), Some(d(2024, 3, 5)));
        assert_eq!(excel_serial_to_date(45356.75), Some(d(2024, 3, 5)));
        assert_eq!(excel_serial_to_date(1.0), Some(d(1900, 1, 1)));
        assert_eq!(excel_serial_to_date(61.0), Some(d(1900, 3, 1)));
        assert_eq!(excel_serial_to_date(60.0), None);
        assert_eq!(excel_serial_to_date(-3.0), None);
        assert_eq!(excel_serial_to_date(f64::NAN), None);
    }

    #[test]
    fn finds_dates_but_not_inside_id_numbers() {
        let t = "身份证号411528196803124571，2023年5月3日征地，2024.1.2再找。";
        let hits = find_dates(t);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].date, d(2023, 5, 3));
        assert_eq!(hits[1].date, d(2024, 1, 2));
    }

    #[test]
    fn letter_date_prefers_signature_line() {
        let cues = ["信访人", "具名"];
        let body = "我于1968年3月12日出生。2023年5月3日，镇里征地。截至2024年1月1日仍未补偿。\n信访人：王建国\n二〇二四年三月五日\n";
        assert_eq!(letter_date(body, &cues).unwrap().date, d(2024, 3, 5));
        let inline = "反映情况如上。\n信访人：王建国 2024年3月6日";
        assert_eq!(letter_date(inline, &cues).unwrap().date, d(2024, 3, 6));
        let specks = "反映情况如上。\n写信人；潘明亮\n2021-09-17-\n";
        assert_eq!(letter_date(specks, &cues).unwrap().date, d(2021, 9, 17));
        let narration_only = "2023年5月3日，镇里征地，我们于2023年6月1日去了镇政府。";
        assert_eq!(letter_date(narration_only, &cues), None);
        let birth = "我1968年3月12日生，现年56岁。";
        assert_eq!(letter_date(birth, &cues), None);
    }
}
