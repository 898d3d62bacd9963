//! A petitioner's birth date (出生年月) as the letter states it: `出生年月：1960年12月`,
//! `1960年12月出生`, `出生于1958年3月`, `出生日期：1972-05-09`, `1949年生`.
//!
//! Why it exists: clerks tell two people of one name apart by birth date and address when a
//! letter gives no ID number (many do not: the elderly, letters written by others). The linker
//! weighs it (`link::petitioner`); the record shows it.
//!
//! Must never: take a relative's birth date for the petitioner's (`我父亲1935年出生`), read one
//! out of an ID number or another digit run, or accept an impossible year or month.

use regex::Regex;
use std::sync::LazyLock;

/// A birth date found in text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BirthHit {
    pub start: usize,
    pub end: usize,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub birth: String,
}

/// A cue then the date (`出生年月：1960年12月`, `出生于1958.3`), or the date then 出生/生
/// (`1960年12月出生`, `1949年生人`, `1972年5月9日生`). Digits are half-width after clean-up.
static BIRTH_RE: LazyLock<Regex> = LazyLock::new(|| {
    let date = r"(?P<y{n}>(?:19|20)\d\d)\s*(?:[年./\-]\s*(?P<m{n}>\d{1,2})\s*(?:月|[./\-])?\s*(?:(?P<d{n}>\d{1,2})\s*日?)?)?\s*年?";
    let cue = r"(?:出生(?:年月日|年月|日期|时间|于)?|生日|生于)\s*[：:]?\s*";
    Regex::new(&format!(
        r"{cue}{d1}|{d2}\s*(?:出生|生人|生(?:[，,。；;、\s]|$))",
        d1 = date.replace("{n}", "1"),
        d2 = date.replace("{n}", "2"),
    ))
    .expect("birth pattern")
});

/// Words that make a birth date someone else's when they stand just before it in its clause.
const RELATIVES: &[&str] = &[
    "父亲", "母亲", "父母", "爸爸", "妈妈", "儿子", "女儿", "丈夫", "妻子", "老伴", "爱人", "孩子",
    "孙子", "孙女", "弟弟", "哥哥", "姐姐", "妹妹", "兄弟", "公公", "婆婆", "岳父", "岳母", "家属",
    "亲属", "死者", "老人",
];

/// Birth dates in `text`, in order; a relative's (`我父亲1935年出生`) is left out.
pub(crate) fn find_births(text: &str) -> Vec<BirthHit> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for caps in BIRTH_RE.captures_iter(text) {
        let whole = caps.get(0).expect("group 0");
        let (y, m, d) = match caps.name("y1") {
            Some(y) => (y, caps.name("m1"), caps.name("d1")),
            None => match caps.name("y2") {
                Some(y) => (y, caps.name("m2"), caps.name("d2")),
                None => continue,
            },
        };
        // Inside a longer digit run (an ID number holds a birth date).
        let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
        if y.start() > 0 && digit_at(y.start() - 1) || digit_at(y.end()) {
            continue;
        }
        let Some(birth) = normalise(y.as_str(), m.map(|x| x.as_str()), d.map(|x| x.as_str()))
        else {
            continue;
        };
        if someone_else(&text[..whole.start()]) {
            continue;
        }
        out.push(BirthHit {
            start: whole.start(),
            end: whole.end(),
            birth,
        });
    }
    out
}

/// A birth date written alone, as in a ledger's 出生年月 column: `1960年12月`, `1960.12`,
/// `1960-12-09`, `196012`, `19601209`, `1960` → `YYYY[-MM[-DD]]`; `None` for anything else.
pub fn parse_birth(cell: &str) -> Option<String> {
    static CELL_RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^\s*((?:19|20)\d\d)\s*(?:[年./\-]\s*(\d{1,2})\s*(?:月|[./\-])?\s*(?:(\d{1,2})\s*日?)?|(\d\d)(\d\d)?)?\s*(?:年|出生|生)?\s*$",
        )
        .expect("birth cell pattern")
    });
    let c = CELL_RE.captures(cell)?;
    let y = c.get(1)?.as_str();
    let m = c.get(2).or(c.get(4)).map(|x| x.as_str());
    let d = c.get(3).or(c.get(5)).map(|x| x.as_str());
    normalise(y, m, d)
}

/// `YYYY[-MM[-DD]]` from the parts, or `None` when a part is out of range.
fn normalise(y: &str, m: Option<&str>, d: Option<&str>) -> Option<String> {
    let year: u32 = y.parse().ok()?;
    if !(1900..=2030).contains(&year) {
        return None;
    }
    let Some(m) = m else {
        return Some(format!("{year:04}"));
    };
    let month: u32 = m.parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    match d.map(|d| d.parse::<u32>()) {
        Some(Ok(day)) if (1..=31).contains(&day) => Some(format!("{year:04}-{month:02}-{day:02}")),
        Some(_) => None,
        None => Some(format!("{year:04}-{month:02}")),
    }
}

/// Whether the clause before a birth date names a relative (the date is theirs).
fn someone_else(before: &str) -> bool {
    let clause_start = before
        .rfind(['，', '。', '；', '\n', ',', ';', '：', ':'])
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let clause = &before[clause_start..];
    RELATIVES.iter().any(|w| clause.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn births(t: &str) -> Vec<String> {
        find_births(t).into_iter().map(|h| h.birth).collect()
    }

    #[test]
    fn cue_before_the_date() {
        assert_eq!(births("姓名：叶玉兰 出生年月：1960年12月\n"), ["1960-12"]);
        assert_eq!(births("出生日期：1972-05-09，住址"), ["1972-05-09"]);
        assert_eq!(births("出生于1958年3月，现住"), ["1958-03"]);
        assert_eq!(births("生日:1966.7.21"), ["1966-07-21"]);
    }

    #[test]
    fn date_then_born() {
        assert_eq!(
            births("本人叶玉兰，现住城关镇，1960年12月出生。"),
            ["1960-12"]
        );
        assert_eq!(births("我叫王红，1949年生，"), ["1949"]);
        assert_eq!(births("1972年5月9日生人"), ["1972-05-09"]);
    }

    #[test]
    fn not_a_birth_date() {
        // Events, relatives, digit runs, impossible months, 生 beginning another word.
        assert!(births("2013年镇里招商引进了这家铸造厂").is_empty());
        assert!(births("我父亲1935年出生，今年88岁").is_empty());
        assert_eq!(births("本人孙丽1960年出生"), ["1960"]);
        assert!(births("身份证号411528196012124261出生").is_empty());
        assert!(births("出生年月：19601212345").is_empty());
        assert!(births("出生年月：1960年13月").is_empty());
        assert!(births("2019年生效的判决").is_empty());
        assert!(births("2020年生活困难").is_empty());
    }

    #[test]
    fn ledger_cells() {
        assert_eq!(parse_birth("1960年12月").as_deref(), Some("1960-12"));
        assert_eq!(parse_birth(" 1960.12 ").as_deref(), Some("1960-12"));
        assert_eq!(parse_birth("1960-12-09").as_deref(), Some("1960-12-09"));
        assert_eq!(parse_birth("196012").as_deref(), Some("1960-12"));
        assert_eq!(parse_birth("19601209").as_deref(), Some("1960-12-09"));
        assert_eq!(parse_birth("1949年").as_deref(), Some("1949"));
        assert_eq!(parse_birth("六十岁"), None);
        assert_eq!(parse_birth("1960年13月"), None);
        assert_eq!(parse_birth("411528196012124261"), None);
    }

    #[test]
    fn own_date_after_a_relative_clause() {
        assert_eq!(births("我母亲已去世，我1962年3月出生"), ["1962-03"]);
    }
}
