//! Headcount (人数): how many people a petition speaks for.
//!
//! Why it exists: five or more people make a collective petition (集体访/联名信), which offices
//! count separately and treat with priority; the headcount is also summed in statistics.
//!
//! Rule (documented for clerks): explicit counts are read only next to a collective cue
//! (`我们32户`, `32名村民`, `全体56人`, `共32人`, `王建国等5人`); narration counts (`打伤3人`,
//! `家里5口人`) are ignored. A count of people (人/名/位) wins over a count of households
//! (户/家), because 人数 counts people (`共22户68人` → 68: a people count directly after a
//! counted household count shares its cue); a household count is used when it is the only count.
//! The number of signers is a lower bound: headcount = max(explicit count, signers). With no
//! cue and no co-signers a letter speaks for one person. `余/多` counts give the round number
//! (`二十余人` → 20).
//!
//! Must never: read a count out of money, areas or dates (`四十二亩`, `3万元`).
//!
//! Data: the wording of collective letters and ledgers' 人数 columns.

use regex::Regex;
use std::sync::LazyLock;

static HEAD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<pre>我们(?:全村|全组|全队|全厂|全社区)?|全体|共计|合计|一共|总共|共有|共|计|等|有)?(?P<num>[0-9]{1,5}|[零〇一二两三四五六七八九十百千]{1,7})(?P<approx>余|多)?(?P<unit>户|名|人|位|家)(?P<post>村民|群众|职工|农户|居民|业主|工人|员工|老人|家庭|退伍|复员|下岗|离退休|退休|残疾|党员|农民|人家|同志|联名|签名|集体|老师|教师|住户|拆迁户|被征地)?",
    )
    .expect("headcount regex")
});

/// Parse a count written in Arabic or Chinese numerals (`32`, `三十二`, `一百二十`, `两百`).
pub(crate) fn parse_count(s: &str) -> Option<u32> {
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let mut total = 0u32;
    let mut section = 0u32;
    let mut digit: Option<u32> = None;
    for c in s.chars() {
        let d = match c {
            '零' | '〇' => Some(0),
            '一' => Some(1),
            '二' | '两' => Some(2),
            '三' => Some(3),
            '四' => Some(4),
            '五' => Some(5),
            '六' => Some(6),
            '七' => Some(7),
            '八' => Some(8),
            '九' => Some(9),
            _ => None,
        };
        if let Some(d) = d {
            digit = Some(d);
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        section += digit.take().unwrap_or(1) * unit;
    }
    total += section + digit.unwrap_or(0);
    (total > 0).then_some(total)
}

/// Counts stated in a text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StatedCount {
    pub people: Option<(u32, String)>,
    pub households: Option<(u32, String)>,
}

impl StatedCount {
    /// The stated number by the rule in the module doc, with the text it came from.
    pub(crate) fn best(&self) -> Option<&(u32, String)> {
        self.people.as_ref().or(self.households.as_ref())
    }
}

/// Explicit counts next to a collective cue; the largest of each kind.
pub(crate) fn stated_count(text: &str) -> StatedCount {
    let mut out = StatedCount::default();
    // End of the last household count taken: `共22户68人` states the people of those households.
    let mut households_end = None;
    for caps in HEAD_RE.captures_iter(text) {
        let unit = &caps["unit"];
        let pre = caps.name("pre").map(|m| m.as_str());
        let post = caps.name("post").is_some();
        let Some(n) = parse_count(&caps["num"]) else {
            continue;
        };
        let m = caps.get(0).expect("group 0");
        // Without a cue word before the number, the words after it must say that these people
        // are behind the letter (`受全组46名群众委托`, `32人联名`); `全厂312名职工一夜之间全部
        // 下岗` only tells the story. `5口人` never matches (口).
        let after: String = text[m.end()..].chars().take(10).collect();
        let behind = ["委托", "联名", "签名", "集体", "推选", "共同"]
            .iter()
            .any(|w| after.contains(w))
            || caps
                .name("post")
                .is_some_and(|p| matches!(p.as_str(), "联名" | "签名" | "集体"));
        // `有`/`共有` state how many there are (`我们组一共有74户人家，大多数人家都和我家情况
        // 差不多`: a description of the group), not who is behind the letter.
        let cue_word = match pre {
            Some("有" | "共有") | None => behind,
            Some(_) => true,
        };
        let of_households = pre.is_none() && households_end == Some(m.start());
        let cue = (cue_word || of_households) && (unit != "家" || post);
        // `第3人`, `3人次`: ordinal and visit counts.
        let next = text[m.end()..].chars().next();
        if !cue || n == 0 || n > 100_000 || next == Some('次') {
            continue;
        }
        let slot = if matches!(unit, "户" | "家") {
            households_end = Some(m.end());
            &mut out.households
        } else {
            &mut out.people
        };
        if slot.as_ref().is_none_or(|(k, _)| n > *k) {
            *slot = Some((n, m.as_str().to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (s, n) in [
            ("32", 32),
            ("三十二", 32),
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("一百二十", 120),
            ("两百", 200),
            ("一千零五", 1005),
            ("五", 5),
        ] {
            assert_eq!(parse_count(s), Some(n), "{s}");
        }
        assert_eq!(parse_count("零"), None);
    }

    #[test]
    fn counts_next_to_cues() {
        let c = stated_count("我们全村三十二户村民多次找镇政府");
        assert_eq!(c.households.map(|x| x.0), Some(32));
        assert_eq!(
            stated_count("全体56人联名反映").people.map(|x| x.0),
            Some(56)
        );
        assert_eq!(
            stated_count("王建国等二十余人").people.map(|x| x.0),
            Some(20)
        );
        assert_eq!(stated_count("共32名下岗职工").people.map(|x| x.0), Some(32));
        let both = stated_count("我们32户村民共计108人");
        assert_eq!(both.best().map(|x| x.0), Some(108));
        assert_eq!(stated_count("我们32户").best().map(|x| x.0), Some(32));
        // People beat households, also when the people count directly follows (`XX户YY人`).
        assert_eq!(
            stated_count("我们是全体村民，共22户68人。")
                .best()
                .map(|x| x.0),
            Some(68)
        );
        assert_eq!(stated_count("全组22户，68人参加").people, None);
        // How big the group is, said by one writer: no count of petitioners.
        let one = stated_count("我们组一共有74户人家，大多数人家都和我家情况差不多。");
        assert_eq!(one.best(), None);
        assert_eq!(
            stated_count("我们组共有32户联名反映").best().map(|x| x.0),
            Some(32)
        );
    }

    #[test]
    fn ignores_narration_numbers() {
        assert_eq!(
            stated_count("受全组46名群众委托写这封信")
                .people
                .map(|x| x.0),
            Some(46)
        );
        for t in [
            "全厂312名职工一夜之间全部下岗",
            "农技站的127名职工被分流回家",
            "全厂还有一百多名离退休人员",
            "他们打伤3人",
            "家里5口人",
            "征地四十二亩",
            "补偿3万元",
            "第3人",
            "接待200人次",
            "有3人在场",
        ] {
            assert_eq!(stated_count(t), StatedCount::default(), "{t}");
        }
    }
}
