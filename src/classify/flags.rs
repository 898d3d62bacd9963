//! Flags a petition office counts and acts on, each with its evidence (标记):
//! `collective` (集体访), `skip_level` (越级访), `risk` (过激行为/极端风险), `law_related` (涉法涉诉),
//! `forwarded` (上级转送/交办).
//!
//! Why it exists: these flags decide urgency and statistics; a clerk must see the words behind
//! each one. What it must never do: raise `risk` on a denial ("我们不会去闹事") or on words
//! reported from others ("有人煽动我们去堵路，我们没有参加"), nor miss a real threat; match raw
//! substrings (cues are runs of whole jieba tokens, as in the rules).
//!
//! Data: fields filled by the extraction stage (headcount, petitioners, addressee level) and the
//! record's tokens; the cue words are in `data/flags.toml` (an office can replace it), built from
//! the domain glossary and county practice. The rules that use them stay here.

use super::rules::{is_clause_end, is_sentence_end, PhraseMatcher};
use crate::record::{Level, Record};
use std::collections::BTreeMap;

/// Statistical threshold of a collective petition (五人以上).
pub const COLLECTIVE_THRESHOLD: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    /// Joint letter or group action (联名, 集体上访 …).
    Collective,
    /// A group word that makes a collective petition when the writer says 我们 (村民, 职工 …).
    Group,
    /// Self-harm or violent act: risk whenever asserted (自焚, 跳楼, 堵路 …).
    RiskHard,
    /// Risk only as a threat (a condition or a will: 如果…就去北京, 上访到底).
    RiskThreat,
    /// Going to Beijing / the national bureau: skip-level when actual, risk when threatened.
    Beijing,
    /// Higher-level petition bodies (省信访局 …): skip-level when the petitioner went there.
    Higher,
    /// Forwarding words of a cover note (转送, 交办 …).
    Forward,
    /// Words only a cover note from above uses (交办单, 转送单, 现转你单位 …): forwarded by themselves.
    CoverNote,
    /// Taking part (参加, 参与, 跟着 …): after a negation, a refusal of what others proposed.
    Join,
    /// Litigation words (判决, 法院 …).
    Law,
    /// Negation (不会, 绝不, 没有 …).
    Negation,
    /// Condition or will that turns an act into a threat (如果, 否则, 就 …).
    Condition,
    /// Words reported from others (煽动, 听说 …).
    Reported,
    /// A marker of a higher level in a cover note (省, 市, 国家, 上级 …).
    HigherBody,
}

/// The built-in cue words (`data/flags.toml`; an office's copy replaces them, see `config`).
pub const DEFAULT_FLAGS: &str = include_str!("../../data/flags.toml");

/// The sections of `flags.toml`: one kind of cue each.
const SECTIONS: [(&str, Cue); 14] = [
    ("collective", Cue::Collective),
    ("group", Cue::Group),
    ("risk_hard", Cue::RiskHard),
    ("risk_threat", Cue::RiskThreat),
    ("beijing", Cue::Beijing),
    ("higher", Cue::Higher),
    ("forward", Cue::Forward),
    ("cover_note", Cue::CoverNote),
    ("join", Cue::Join),
    ("law", Cue::Law),
    ("negation", Cue::Negation),
    ("condition", Cue::Condition),
    ("reported", Cue::Reported),
    ("higher_body", Cue::HigherBody),
];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    words: Vec<String>,
}

/// The flag cues, compiled once.
#[derive(Clone, Debug)]
pub struct FlagRules {
    matcher: PhraseMatcher<Vec<Cue>>,
}

impl Default for FlagRules {
    fn default() -> Self {
        Self::new()
    }
}

/// Flags of one record with their evidence, in the order `collective, skip_level, risk,
/// law_related, forwarded`.
pub type Flags = BTreeMap<String, Vec<String>>;

/// Cues present in one clause, and its words (for the refusal rule).
#[derive(Clone, Copy, Default)]
struct ClauseCues {
    negation: bool,
    condition: bool,
    join: bool,
    risk: bool,
    words: usize,
}

struct Hit<'a> {
    start: usize,
    end: usize,
    text: String,
    cues: &'a [Cue],
}

impl FlagRules {
    /// The built-in cue words.
    pub fn new() -> Self {
        Self::from_toml(DEFAULT_FLAGS).expect("the built-in flags.toml is valid")
    }

    /// Cue words from the text of a `flags.toml` (format: `data/README.md`). Every section must be
    /// present and no other: a misspelt section would otherwise switch a flag off silently.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut table: BTreeMap<String, Section> =
            toml::from_str(text).map_err(|e| e.to_string())?;
        let mut m: BTreeMap<String, Vec<Cue>> = BTreeMap::new();
        for (name, cue) in SECTIONS {
            let section = table
                .remove(name)
                .ok_or_else(|| format!("missing section [{name}]"))?;
            for w in section.words {
                let w = w.trim().to_string();
                if !w.is_empty() {
                    m.entry(w).or_default().push(cue);
                }
            }
        }
        if let Some(unknown) = table.keys().next() {
            let known: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown section [{unknown}] (sections: {})",
                known.join(", ")
            ));
        }
        Ok(FlagRules {
            matcher: PhraseMatcher::new(m),
        })
    }

    /// Compute the flags of a record. `legal_category` tells whether the classifier put the
    /// record in the legal (涉法涉诉) category.
    pub fn flags(&self, record: &Record, tokens: &[&str], legal_category: Option<&str>) -> Flags {
        let mut out = Flags::new();
        let hits: Vec<Hit> = self
            .matcher
            .find(tokens)
            .into_iter()
            .map(|h| Hit {
                start: h.start,
                end: h.end,
                text: h.text,
                cues: h.payload.as_slice(),
            })
            .collect();
        // Sentence and clause number of every token.
        let (mut sent, mut clause) = (vec![0usize; tokens.len()], vec![0usize; tokens.len()]);
        let (mut s, mut c) = (0, 0);
        for (k, t) in tokens.iter().enumerate() {
            sent[k] = s;
            clause[k] = c;
            if is_clause_end(t) {
                c += 1;
            }
            if is_sentence_end(t) {
                s += 1;
            }
        }
        let mut clause_start = vec![0usize; c + 1];
        for (k, &cl) in clause.iter().enumerate().rev() {
            clause_start[cl] = k;
        }
        let has = |h: &Hit, cue: Cue| h.cues.contains(&cue);
        // What several rules ask about a sentence or a clause, counted once per record: hits of a
        // cue per sentence, cues present per clause, words per clause.
        let mut reported_in = vec![0usize; s + 1];
        // Condition words per sentence, with where they stand.
        let mut conditions_in: Vec<Vec<(usize, &str)>> = vec![Vec::new(); s + 1];
        let mut clause_cues = vec![ClauseCues::default(); c + 1];
        for h in &hits {
            if has(h, Cue::Reported) {
                reported_in[sent[h.start]] += 1;
            }
            if has(h, Cue::Condition) {
                conditions_in[sent[h.start]].push((h.start, h.text.as_str()));
            }
            let cc = &mut clause_cues[clause[h.start]];
            cc.negation |= has(h, Cue::Negation);
            cc.condition |= has(h, Cue::Condition);
            cc.join |= has(h, Cue::Join);
            cc.risk |= has(h, Cue::RiskHard) || has(h, Cue::RiskThreat);
        }
        for (t, &cl) in tokens.iter().zip(&clause) {
            if !t.trim().is_empty() && !is_clause_end(t) {
                clause_cues[cl].words += 1;
            }
        }
        // Another hit of `cue` in the hit's sentence (hits never overlap, so "another" is "not
        // this one").
        let in_sentence =
            |h: &Hit, counts: &[usize], cue: Cue| counts[sent[h.start]] > usize::from(has(h, cue));
        // A negation before the cue in its clause, not followed by a condition word (不给钱就跳楼).
        // Hits are in text order, so the earlier hits of a clause are the ones just before.
        let negated: Vec<bool> = (0..hits.len())
            .map(|i| {
                let h = &hits[i];
                let cl = clause[h.start];
                let mut lo = i;
                while lo > 0 && clause[hits[lo - 1].start] == cl {
                    lo -= 1;
                }
                let before = &hits[lo..i];
                let neg_token = (clause_start[cl]..h.start)
                    .rev()
                    .find(|&k| is_negation_token(tokens[k]));
                let neg_hit = before
                    .iter()
                    .rposition(|o| has(o, Cue::Negation))
                    .map(|p| before[p].start);
                match neg_token.max(neg_hit) {
                    Some(k) => !before.iter().any(|o| o.start > k && has(o, Cue::Condition)),
                    None => false,
                }
            })
            .collect();
        // The next clause refuses ("…去堵路，我们没有参加"): a negation with a taking-part word,
        // or a short negated clause ("我们没有"), and no risk word of its own.
        let refused = |h: &Hit| {
            clause_cues
                .get(clause[h.start] + 1)
                .is_some_and(|n| n.negation && !n.condition && (n.words <= 3 || n.join) && !n.risk)
        };
        let reported = |h: &Hit| in_sentence(h, &reported_in, Cue::Reported) || refused(h);
        // A threat: a condition or will before the act (`再不解决，我就去…`), or `否则/不然` after
        // it (`我们要上访到底，否则绝不罢休`). A `就` after it is narration (`下水道经常堵，…一下雨
        // 路面就变成了河`).
        let threatened = |h: &Hit| {
            conditions_in[sent[h.start]].iter().any(|&(at, word)| {
                at != h.start && (at < h.start || matches!(word, "否则" | "不然"))
            })
        };

        // collective
        // Counted people decide when the extraction stage counted them (a joint letter signed by
        // three is not a collective petition); words decide only when nobody was counted.
        let mut ev = Vec::new();
        let counted = record
            .headcount
            .or((record.petitioners.len() >= 2).then_some(record.petitioners.len() as u32));
        if let Some(n) = record.headcount.filter(|&n| n >= COLLECTIVE_THRESHOLD) {
            ev.push(format!("人数：{n}"));
        }
        if record.petitioners.len() >= COLLECTIVE_THRESHOLD as usize {
            ev.push(format!("信访人：{}人", record.petitioners.len()));
        }
        let we: Vec<usize> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| matches!(**t, "我们" | "我村" | "我们村"))
            .map(|(k, _)| k)
            .collect();
        for (i, h) in hits.iter().enumerate() {
            let meeting = tokens
                .get(h.end_hint(tokens))
                .is_some_and(|t| matches!(*t, "会" | "会上" | "大会" | "会议"));
            if has(h, Cue::Collective) && !negated[i] && !meeting {
                push_once(&mut ev, &h.text);
            } else if has(h, Cue::Group)
                && we
                    .iter()
                    .any(|&k| clause[k] == clause[h.start] && k < h.start)
            {
                push_once(&mut ev, &format!("我们…{}", h.text));
            }
        }
        let collective = match counted {
            Some(n) => n >= COLLECTIVE_THRESHOLD,
            None => ev.iter().any(|e| !e.starts_with("我们…")),
        };
        if collective && !ev.is_empty() {
            out.insert("collective".into(), ev);
        }

        // risk and skip_level
        let mut risk = Vec::new();
        let mut skip = Vec::new();
        if let Some(l) = record.addressee_level.filter(|l| *l > Level::County) {
            skip.push(format!("受信级别：{}", l.zh()));
        }
        for (i, h) in hits.iter().enumerate() {
            let relevant = [Cue::RiskHard, Cue::RiskThreat, Cue::Beijing, Cue::Higher]
                .iter()
                .any(|&cue| has(h, cue));
            if !relevant || negated[i] || reported(h) {
                continue;
            }
            if has(h, Cue::RiskHard) || (has(h, Cue::RiskThreat) && threatened(h)) {
                push_once(&mut risk, &h.text);
            }
            if has(h, Cue::Beijing) {
                if threatened(h) {
                    push_once(&mut risk, &h.text);
                } else if h.text != "中央" && petition_in_sentence(tokens, &sent, sent[h.start]) {
                    push_once(&mut skip, &h.text);
                }
            } else if has(h, Cue::Higher)
                && !threatened(h)
                && went_there(tokens, h.start)
                && (!matches!(h.text.as_str(), "省里" | "市里")
                    || petition_in_sentence(tokens, &sent, sent[h.start])
                    || tokens.get(h.end_hint(tokens)).is_some_and(|t| {
                        matches!(
                            *t,
                            "领导" | "政府" | "部门" | "有关部门" | "信访局" | "信访办"
                        )
                    }))
            {
                // `省里`/`市里` are only places (`到了市里医院又要重新做一遍`) unless the sentence
                // petitions or names a body there.
                push_once(&mut skip, &h.text);
            }
        }
        if !skip.is_empty() {
            out.insert("skip_level".into(), skip);
        }
        if !risk.is_empty() {
            out.insert("risk".into(), risk);
        }

        // law_related
        let mut law = Vec::new();
        if let Some(code) = legal_category {
            law.push(format!("类别：{code}"));
        }
        for (i, h) in hits.iter().enumerate() {
            if has(h, Cue::Law) && !negated[i] {
                push_once(&mut law, &h.text);
            }
        }
        // One passing mention of a police station is not a matter in court: need a legal
        // category, or two distinct litigation words.
        if legal_category.is_some() || law.len() >= 2 {
            out.insert("law_related".into(), law);
        }

        // forwarded: a forwarding word with a higher body in the same sentence.
        let mut fwd = Vec::new();
        for h in hits.iter().filter(|h| has(h, Cue::CoverNote)) {
            push_once(&mut fwd, &h.text);
        }
        for (i, h) in hits.iter().enumerate() {
            if has(h, Cue::Forward) && !negated[i] {
                let body = hits.iter().find(|o| {
                    sent[o.start] == sent[h.start] && has(o, Cue::HigherBody) && o.start != h.start
                });
                let body_token = tokens
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| sent[*k] == sent[h.start])
                    .find(|(_, t)| {
                        t.chars().count() >= 2
                            && (t.ends_with('省') || t.ends_with('市') || t.contains("信访局"))
                    })
                    .map(|(_, t)| t.to_string());
                if let Some(b) = body.map(|b| b.text.clone()).or(body_token) {
                    push_once(&mut fwd, &format!("{b}…{}", h.text));
                }
            }
        }
        if !fwd.is_empty() {
            out.insert("forwarded".into(), fwd);
        }
        out
    }
}

/// A token that negates what follows: 没想过, 不准备, 未曾 … but not 不得不, 不管, 不满.
fn is_negation_token(t: &str) -> bool {
    const NOT_NEGATING: &[&str] = &[
        "不得不",
        "不断",
        "不少",
        "不仅",
        "不但",
        "不管",
        "不论",
        "不久",
        "不同",
        "不错",
        "不停",
        "不满",
        "不公",
        "不公平",
        "不到位",
        "不给",
        "不解决",
        "不办",
        "不理",
        "不予",
        "不让",
        "不作为",
        "未遂",
        "未果",
    ];
    (t.starts_with('没')
        || t.starts_with('不')
        || t.starts_with('未')
        || t.starts_with("从未")
        || t.starts_with("绝不")
        || t.starts_with("决不"))
        && !NOT_NEGATING.contains(&t)
}

/// A higher body counts for skip-level only when the writer went or wrote there: a movement or
/// petition verb just before it (到/去/向/赴/找 …).
fn went_there(tokens: &[&str], at: usize) -> bool {
    tokens[at.saturating_sub(3)..at].iter().any(|t| {
        matches!(
            *t,
            "到" | "去"
                | "向"
                | "赴"
                | "找"
                | "上"
                | "来到"
                | "前往"
                | "去了"
                | "到了"
                | "跑到"
                | "写信给"
                | "反映到"
        )
    })
}

/// The sentence speaks of petitioning (上访, 信访, 反映, 告状 …), not of a trip.
fn petition_in_sentence(tokens: &[&str], sent: &[usize], s: usize) -> bool {
    tokens.iter().zip(sent).any(|(t, &k)| {
        k == s
            && (t.contains('访') || t.contains("反映") || t.contains("告状") || t.contains("投诉"))
    })
}

impl Hit<'_> {
    /// Index of the first non-space token after the hit.
    fn end_hint(&self, tokens: &[&str]) -> usize {
        let mut k = self.end;
        while k < tokens.len() && tokens[k].trim().is_empty() {
            k += 1;
        }
        k
    }
}

fn push_once(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|e| e == s) {
        v.push(s.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jieba_rs::Jieba;

    fn flags_of(text: &str, rec: Record) -> Flags {
        let j = Jieba::new();
        let toks: Vec<&str> = j.cut(text, true).into_iter().map(|t| t.word).collect();
        FlagRules::new().flags(&rec, &toks, None)
    }

    fn risk(text: &str) -> bool {
        flags_of(text, Record::default()).contains_key("risk")
    }

    #[test]
    fn real_threats_are_risk() {
        for t in [
            "再不解决，我就去县政府门口自焚。",
            "逼得我只能喝农药了。",
            "不给钱我们就去堵路。",
            "如果这次还不解决，我们就去北京上访。",
            "我们要上访到底，否则绝不罢休。",
            "他扬言要和村干部同归于尽。",
            "村民围堵了乡政府大门。",
            "我母亲被逼服毒，现在还在医院。",
            "我只能以死相逼。",
            "我们准备去跳楼。",
            "再不管，我们就把村口的公路堵了，看谁来管。",
            "再不给解决，我就从信访局楼上跳下去。",
            "我甚至想过到县委门口自焚。",
            "如果这个月还没有结果，我就带着全家老小到市政府门口去讨说法。",
            "村民们说了，下个月一起去堵县城的路口，让全县人都知道这件事。",
            "再没有人管，我就爬到县政府对面的塔吊上去，看你们管不管。",
        ] {
            assert!(risk(t), "missed: {t}");
        }
    }

    #[test]
    fn denials_and_reported_speech_are_not_risk() {
        for t in [
            "我们不会去闹事，只想讨回工钱。",
            "我们绝不会堵路，请领导放心。",
            "有人煽动我们去堵路，我们没有参加。",
            "听说邻村有人去堵路了。",
            "我们从未参与围堵。",
            "我们去北京旅游过一次。",
            "村里有人劝我们去堵路，我们没有，我们相信组织会处理好。",
            "我们没有去县里闹，也从来没想过越级去北京。",
            // A denial covers every item of its list (、 does not end the clause).
            "我绝不会做喝农药、跳楼那样的傻事，只想讨个说法。",
            // Seeking an explanation, however firmly, threatens nothing.
            "老母亲临终前还念叨着此事，嘱咐我们一定要讨个说法。",
            "我们小区的下水道经常堵，路边的排水沟被堵死，一下雨路面就变成了河。",
            "工地的塔吊倒了，砸坏了我家的房子。",
        ] {
            assert!(!risk(t), "false alarm: {t}");
        }
    }

    #[test]
    fn going_to_beijing_is_skip_level_when_actual_risk_when_threatened() {
        let f = flags_of("去年我们到北京国家信访局反映过。", Record::default());
        assert!(f.contains_key("skip_level") && !f.contains_key("risk"));
        let f = flags_of("如果不解决我们就进京上访。", Record::default());
        assert!(f.contains_key("risk") && !f.contains_key("skip_level"));
        let rec = Record {
            addressee_level: Some(Level::Province),
            ..Default::default()
        };
        assert_eq!(
            flags_of("尊敬的领导：", rec)["skip_level"],
            vec!["受信级别：省级"]
        );
        assert!(!flags_of("尊敬的县领导：", Record::default()).contains_key("skip_level"));
    }

    #[test]
    fn a_trip_to_the_city_is_not_skip_level() {
        let skip = |t: &str| flags_of(t, Record::default()).contains_key("skip_level");
        assert!(!skip(
            "医院的检查结果在县里不认，到了市里医院又要重新做一遍。"
        ));
        assert!(skip("我们到市里反映过三次。"));
        assert!(skip("我去找市里领导，领导让回县里。"));
        assert!(skip("我们到市政府去过。"));
    }

    #[test]
    fn collective_by_headcount_petitioners_and_cues() {
        let rec = Record {
            headcount: Some(12),
            ..Default::default()
        };
        assert!(flags_of("反映问题。", rec).contains_key("collective"));
        let rec = Record {
            headcount: Some(3),
            ..Default::default()
        };
        assert!(!flags_of("反映问题。", rec).contains_key("collective"));
        assert!(flags_of("这是我们的联名信。", Record::default()).contains_key("collective"));
        // "我们…村民" alone is how one villager writes too: supporting evidence, not proof.
        let f = flags_of("我们东关村村民强烈要求解决。", Record::default());
        assert!(!f.contains_key("collective"), "{f:?}");
        let f = flags_of("我们东关村村民联名反映。", Record::default());
        assert_eq!(f["collective"], vec!["我们…村民", "联名"]);
        assert!(!flags_of("我家的承包地被占了。", Record::default()).contains_key("collective"));
        // Three counted co-signers: the words 联名/签名 do not make it collective.
        let rec = Record {
            headcount: Some(3),
            ..Default::default()
        };
        assert!(!flags_of("联名群众签名（按手印）：", rec).contains_key("collective"));
        assert!(!flags_of("他在全体村民会上答应过。", Record::default()).contains_key("collective"));
    }

    #[test]
    fn forwarded_needs_a_higher_body() {
        let f = flags_of("南川市信访局转送：请依法处理并答复。", Record::default());
        assert!(f.contains_key("forwarded"), "{f:?}");
        assert!(flags_of("省信访局交办件。", Record::default()).contains_key("forwarded"));
        assert!(!flags_of("我把材料转交给了村主任。", Record::default()).contains_key("forwarded"));
        let f = flags_of(
            "信访事项交办单\n现将来信转去，现转你单位，请认真调查处理。",
            Record::default(),
        );
        assert!(f.contains_key("forwarded"), "{f:?}");
    }

    #[test]
    fn law_related_from_litigation_words_or_category() {
        let f = flags_of("法院判决已生效，但一直没有执行。", Record::default());
        assert!(f.contains_key("law_related"));
        assert!(!flags_of("路过派出所门口。", Record::default()).contains_key("law_related"));
        // Detention, enforcement and injury grading are legal process too.
        let f = flags_of(
            "我在看守所里被打伤，鉴定为轻伤二级。被执行人明明有钱却说没有。",
            Record::default(),
        );
        assert_eq!(f["law_related"], vec!["看守所", "轻伤", "被执行人"]);
        let j = Jieba::new();
        let toks: Vec<&str> = j
            .cut("反映问题", true)
            .into_iter()
            .map(|t| t.word)
            .collect();
        let f = FlagRules::new().flags(&Record::default(), &toks, Some("legal"));
        assert!(f.contains_key("law_related"));
    }
}
