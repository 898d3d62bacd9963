//! Addressee level (受信层级): which level of government a letter is written to.
//!
//! Why it exists: a letter to the province or to Beijing about a county matter is a skip-level
//! petition (越级访), counted and flagged separately; repeat petitions are often the same matter
//! sent up the levels.
//!
//! Rule: read the salutation/address line (`致…`, `尊敬的…`, `呈…`, or a short line ending in
//! `：` that names an office). Each addressee named there gets the level of the *last* level
//! word in its name (`河南省南川市清溪县信访局` → county: the office is the county's); several
//! addressees (`国家信访局、河南省信访局`) give the highest. Words: national (国家, 国务院,
//! 中央, 全国人大, 最高人民法院/检察院, 总理…), province (省 and the gazetteer's province),
//! city (市 but not 市场, and the gazetteer's city), county (县, 区 but not 社区, 乡, 镇,
//! 街道, and the gazetteer's county and townships).
//!
//! Must never: take the level of a forwarding cover note (转送单/交办单) for the letter's own
//! (the caller passes the letter without its cover note).
//!
//! Data: office names as letters write them, plus `data/gazetteer.toml`.

use super::place::Gazetteer;
use crate::record::Level;
use aho_corasick::AhoCorasick;
use std::cmp::Reverse;

/// Level words; the gazetteer's own names are added by [`LevelWords::new`].
const FIXED: &[(&str, Level)] = &[
    ("国家", Level::National),
    ("国务院", Level::National),
    ("中央", Level::National),
    ("全国人大", Level::National),
    ("最高人民法院", Level::National),
    ("最高人民检察院", Level::National),
    ("总理", Level::National),
    ("总书记", Level::National),
    ("公安部", Level::National),
    ("中纪委", Level::National),
    ("省", Level::Province),
    ("自治区", Level::Province),
    ("市", Level::City),
    ("州", Level::City),
    ("县", Level::County),
    ("区", Level::County),
    ("乡", Level::County),
    ("镇", Level::County),
    ("街道", Level::County),
];

pub(crate) struct LevelWords {
    words: Vec<(String, Level)>,
    /// All of `words` in one automaton: an addressee line is scanned once, not once per word
    /// (the gazetteer's townships and aliases make them a hundred or more).
    finder: AhoCorasick,
}

impl LevelWords {
    pub(crate) fn new(g: &Gazetteer) -> Self {
        let mut words: Vec<(String, Level)> =
            FIXED.iter().map(|(w, l)| ((*w).to_owned(), *l)).collect();
        let mut add = |w: &str, l: Level| {
            if w.chars().count() >= 2 {
                words.push((w.to_owned(), l));
            }
        };
        add(g.province(), Level::Province);
        add(g.province().trim_end_matches('省'), Level::Province);
        add(g.city(), Level::City);
        add(g.city().trim_end_matches('市'), Level::City);
        add(g.county(), Level::County);
        for a in g.county_aliases() {
            add(a, Level::County);
        }
        for t in g.townships() {
            add(&t.name, Level::County);
            for a in &t.aliases {
                add(a, Level::County);
            }
        }
        // A word listed twice keeps its first level (the fixed words before the gazetteer's).
        let mut seen = std::collections::HashSet::new();
        words.retain(|w| seen.insert(w.0.clone()));
        words.sort_by_key(|w| Reverse(w.0.len()));
        let finder = AhoCorasick::new(words.iter().map(|w| &w.0)).expect("level words automaton");
        LevelWords { words, finder }
    }

    /// Level of one addressee name: the last level word in it.
    fn level_of_name(&self, name: &str) -> Option<Level> {
        // The last word, the longest there (words are unique: a span is one word).
        let mut best: Option<(usize, usize, Level)> = None;
        for m in self.finder.find_overlapping_iter(name) {
            let (w, l) = &self.words[m.pattern().as_usize()];
            let (i, after, before) = (m.start(), &name[m.end()..], &name[..m.start()]);
            if (w == "市" && after.starts_with('场'))
                || (w == "区" && (before.ends_with('社') || before.ends_with('地')))
                || (w == "州" && before.is_empty())
            {
                continue;
            }
            if best.is_none_or(|b| (i, w.len()) > (b.0, b.1)) {
                best = Some((i, w.len(), *l));
            }
        }
        best.map(|b| b.2)
    }

    /// Level of an addressee line; several addressees give the highest level.
    pub(crate) fn level_of_line(&self, line: &str) -> Option<Level> {
        line.split(['、', '，', ',', '和', '及', '/', '；'])
            .filter_map(|part| self.level_of_name(part))
            .max()
    }
}

/// Words that make a short line ending in `：` an addressee line.
const OFFICE_WORDS: &[&str] = &[
    "信访",
    "政府",
    "人民",
    "委",
    "局",
    "领导",
    "书记",
    "县长",
    "市长",
    "省长",
    "镇长",
    "乡长",
    "总理",
    "部门",
    "同志",
    "办公室",
    "人大",
    "纪委",
    "法院",
    "检察院",
    "国务院",
];

/// The salutation/address line of a letter (`致河南省信访局：`, `尊敬的县领导：`), searched in
/// the first lines of `body`. Returns the line's byte span.
pub(crate) fn addressee_line(body: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut seen = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        seen += 1;
        if seen > 8 {
            break;
        }
        let lead = line.len() - line.trim_start().len();
        let span = (start + lead, start + lead + t.len());
        let opens = ["致", "尊敬的", "敬爱的", "呈", "呈送", "报送", "送"]
            .iter()
            .any(|p| t.starts_with(p))
            && OFFICE_WORDS.iter().any(|w| t.contains(w));
        let colon = t.chars().count() <= 40
            && (t.ends_with('：') || t.ends_with(':'))
            && OFFICE_WORDS.iter().any(|w| t.contains(w));
        if (opens && !t.starts_with("致使") && !t.starts_with("送达")) || colon {
            return Some(span);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::place::tests::TEST_GAZETTEER;

    fn lw() -> LevelWords {
        LevelWords::new(&Gazetteer::from_toml(TEST_GAZETTEER).unwrap())
    }

    #[test]
    fn levels_of_addressees() {
        let l = lw();
        let cases = [
            ("致国家信访局：", Level::National),
            ("尊敬的国务院领导：", Level::National),
            ("尊敬的党中央领导：", Level::National),
            ("致河南省信访局：", Level::Province),
            ("尊敬的省委书记：", Level::Province),
            ("尊敬的南川市信访局领导：", Level::City),
            ("尊敬的南川市长：", Level::City),
            ("南川信访局领导：", Level::City),
            ("致河南省南川市清溪县信访局：", Level::County),
            ("尊敬的县领导：", Level::County),
            ("清溪县市场监督管理局：", Level::County),
            ("城关镇党委、镇政府：", Level::County),
            ("致国家信访局、河南省信访局：", Level::National),
        ];
        for (s, want) in cases {
            assert_eq!(l.level_of_line(s), Some(want), "{s}");
        }
        assert_eq!(l.level_of_line("尊敬的领导："), None);
    }

    #[test]
    fn finds_the_salutation_line() {
        let body = "关于征地补偿的反映\n尊敬的南川市信访局领导：\n    我叫王建国…";
        let (s, e) = addressee_line(body).unwrap();
        assert_eq!(&body[s..e], "尊敬的南川市信访局领导：");
        assert!(addressee_line("致使我们无法生活。\n").is_none());
    }
}
