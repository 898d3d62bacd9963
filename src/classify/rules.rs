//! Rule scores of the taxonomy's categories over a record's jieba tokens (规则打分).
//!
//! Why it exists: a clerk must see *why* a letter landed in a category; rules give a score and
//! the matched words for every category, with or without a learned model.
//!
//! What it must never do: match raw substrings. A term matches only a run of whole tokens
//! (`征地补偿` matches the token `征地补偿` or the run `征地` `补偿`, never the inside of another
//! word), so 法院 inside an unrelated compound does not count. Longest match wins at a position
//! and is counted once.
//!
//! Data: terms, weights, negative cues and demand cues come from the taxonomy file.

use super::taxonomy::Taxonomy;
use crate::segment::is_blank;
use rustc_hash::FxHashMap as HashMap;

/// Tokens that end a sentence (句) or a clause (分句).
pub(crate) fn is_sentence_end(t: &str) -> bool {
    if is_han_word(t) {
        return false;
    }
    matches!(
        t,
        "。" | "！" | "？" | "!" | "?" | "；" | ";" | "\n" | "\r\n" | "…" | "……"
    ) || t.contains('\n')
}

/// A token that ends a clause. The enumeration comma `、` does not: it separates the items of one
/// clause, which share its negation and its demand (`绝不会做喝农药、跳楼那样的傻事`).
pub(crate) fn is_clause_end(t: &str) -> bool {
    !is_han_word(t) && (is_sentence_end(t) || matches!(t, "，" | "," | "：" | ":"))
}

/// Starts with a character of the main CJK block (UTF-8 lead bytes 0xE4–0xE9): most tokens,
/// and never punctuation, so the checks above can answer at once.
fn is_han_word(t: &str) -> bool {
    t.as_bytes()
        .first()
        .is_some_and(|b| (0xE4..=0xE9).contains(b))
}

/// A dictionary of token-run phrases, each carrying some payload.
#[derive(Clone, Debug)]
pub(crate) struct PhraseMatcher<T> {
    /// Every phrase, and every proper prefix of one (a run that is not one cannot grow into a
    /// phrase): one look-up per token of a run answers both.
    entries: HashMap<String, Entry<T>>,
    max_chars: usize,
    /// The first characters of the phrases, a bit per code point below U+10000: a run whose
    /// first token starts with none of them is passed over without a table look-up (most tokens
    /// of a letter — 我们, 的, 要求 — start no phrase).
    firsts: Vec<u64>,
}

#[derive(Clone, Debug)]
struct Entry<T> {
    /// The payload, when the key is a phrase.
    phrase: Option<T>,
    /// Whether a longer phrase starts with the key.
    prefix: bool,
}

/// One phrase found in a token list.
#[derive(Clone, Debug)]
pub(crate) struct PhraseHit<'p, T> {
    /// Index of the first token of the run.
    pub start: usize,
    /// One past the last token of the run.
    pub end: usize,
    /// The text as it appears (the tokens joined, whitespace tokens skipped).
    pub text: String,
    pub payload: &'p T,
}

impl<T> PhraseMatcher<T> {
    pub(crate) fn new(phrases: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut entries: HashMap<String, Entry<T>> = HashMap::default();
        let mut max_chars = 0;
        let mut firsts = vec![0u64; 0x10000 / 64];
        for (phrase, payload) in phrases {
            if phrase.trim().is_empty() {
                continue;
            }
            max_chars = max_chars.max(phrase.chars().count());
            if let Some(c) = phrase.chars().next().filter(|&c| (c as u32) < 0x10000) {
                firsts[c as usize / 64] |= 1 << (c as u32 % 64);
            }
            for (i, _) in phrase.char_indices().skip(1) {
                entries
                    .entry(phrase[..i].to_string())
                    .or_insert(Entry {
                        phrase: None,
                        prefix: true,
                    })
                    .prefix = true;
            }
            entries
                .entry(phrase)
                .or_insert(Entry {
                    phrase: None,
                    prefix: false,
                })
                .phrase = Some(payload);
        }
        PhraseMatcher {
            entries,
            max_chars,
            firsts,
        }
    }

    /// Could a phrase start with `token`? `false` only when none starts with its first character.
    fn may_start(&self, token: &str) -> bool {
        match token.chars().next() {
            Some(c) if (c as u32) < 0x10000 => {
                self.firsts[c as usize / 64] & (1 << (c as u32 % 64)) != 0
            }
            _ => true,
        }
    }

    /// Non-overlapping hits, longest phrase first at each position, left to right.
    /// Whitespace tokens (OCR spacing) are skipped inside a run. Tokens are words as the
    /// segmenter gives them, whitespace a token of its own ([`is_blank`]; this runs three times
    /// over every letter's words, and trimming each token each time cost 2 % of an ingest).
    pub(crate) fn find<'p>(&'p self, tokens: &[&str]) -> Vec<PhraseHit<'p, T>> {
        let mut hits = Vec::new();
        let mut buf = String::new();
        let mut i = 0;
        while i < tokens.len() {
            if is_blank(tokens[i]) || !self.may_start(tokens[i]) {
                i += 1;
                continue;
            }
            buf.clear();
            let mut chars = 0;
            // (end token, length of the phrase in `buf`, payload)
            let mut best: Option<(usize, usize, &T)> = None;
            let mut j = i;
            while j < tokens.len() {
                let t = tokens[j];
                if is_blank(t) {
                    j += 1;
                    continue;
                }
                chars += t.chars().count();
                if chars > self.max_chars {
                    break;
                }
                buf.push_str(t);
                let Some(entry) = self.entries.get(buf.as_str()) else {
                    break;
                };
                if let Some(p) = &entry.phrase {
                    best = Some((j + 1, buf.len(), p));
                }
                if !entry.prefix {
                    break;
                }
                j += 1;
            }
            match best {
                Some((end, len, payload)) => {
                    hits.push(PhraseHit {
                        start: i,
                        end,
                        text: buf[..len].to_string(),
                        payload,
                    });
                    i = end;
                }
                None => i += 1,
            }
        }
        hits
    }
}

/// What a term means for scoring.
#[derive(Clone, Debug, Default)]
pub(crate) struct TermUse {
    /// (category index, weight) for each category whose terms include it.
    pub weights: Vec<(usize, f32)>,
    /// Categories for which it is a negative cue.
    pub negative_for: Vec<usize>,
    /// It is a demand cue (要求/请求 …).
    pub demand: bool,
}

/// Rule score and evidence of one category.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleScore {
    pub score: f32,
    /// Matched terms as they appear in the text, strongest contribution first, each once.
    pub evidence: Vec<String>,
}

/// The compiled rules of a taxonomy.
#[derive(Clone, Debug)]
pub struct Rules {
    matcher: PhraseMatcher<TermUse>,
    categories: usize,
    negative_weight: Vec<f32>,
    demand_boost: f32,
}

impl Rules {
    pub fn new(tax: &Taxonomy) -> Self {
        let mut uses: HashMap<String, TermUse> = HashMap::default();
        for (i, c) in tax.categories().iter().enumerate() {
            for (t, w) in &c.terms {
                uses.entry(t.trim().to_string())
                    .or_default()
                    .weights
                    .push((i, *w));
            }
            for t in &c.negative {
                uses.entry(t.trim().to_string())
                    .or_default()
                    .negative_for
                    .push(i);
            }
        }
        for t in &tax.demand_cues {
            uses.entry(t.trim().to_string()).or_default().demand = true;
        }
        Rules {
            matcher: PhraseMatcher::new(uses),
            categories: tax.categories().len(),
            negative_weight: tax.categories().iter().map(|c| c.negative_weight).collect(),
            demand_boost: tax.demand_boost,
        }
    }

    /// Score every category (in taxonomy order) on the tokens of one record.
    pub fn score(&self, tokens: &[&str]) -> Vec<RuleScore> {
        let hits = self.matcher.find(tokens);
        // Clause of each token, and whether that clause states a demand.
        let mut clause_of = vec![0usize; tokens.len()];
        let mut clause = 0;
        for (k, t) in tokens.iter().enumerate() {
            clause_of[k] = clause;
            if is_clause_end(t) {
                clause += 1;
            }
        }
        let mut demand_clause = vec![false; clause + 1];
        for h in &hits {
            if h.payload.demand {
                demand_clause[clause_of[h.start]] = true;
            }
        }
        let mut contrib: Vec<HashMap<String, (f32, u32)>> =
            vec![HashMap::default(); self.categories];
        let mut negatives: Vec<Vec<String>> = vec![Vec::new(); self.categories];
        for h in &hits {
            let boost = if demand_clause[clause_of[h.start]] {
                self.demand_boost
            } else {
                1.0
            };
            for &(c, w) in &h.payload.weights {
                let e = contrib[c].entry(h.text.clone()).or_insert((0.0, 0));
                e.1 += 1;
                // k-th occurrence of the same term adds 1/k of its weight.
                e.0 += w * boost / e.1 as f32;
            }
            for &c in &h.payload.negative_for {
                if !negatives[c].contains(&h.text) {
                    negatives[c].push(h.text.clone());
                }
            }
        }
        contrib
            .into_iter()
            .enumerate()
            .map(|(c, m)| {
                let mut v: Vec<(String, f32)> = m.into_iter().map(|(k, (s, _))| (k, s)).collect();
                v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let raw: f32 = v.iter().map(|e| e.1).sum();
                let score = (raw - self.negative_weight[c] * negatives[c].len() as f32).max(0.0);
                RuleScore {
                    score,
                    evidence: v.into_iter().filter(|e| e.1 > 0.0).map(|e| e.0).collect(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tax() -> Taxonomy {
        Taxonomy::default_taxonomy().unwrap()
    }

    fn idx(t: &Taxonomy, code: &str) -> usize {
        t.categories().iter().position(|c| c.code == code).unwrap()
    }

    #[test]
    fn phrases_are_found_past_tokens_that_start_none() {
        // `𠀀` lies outside U+0000–U+FFFF, where the first-character filter does not look.
        let m = PhraseMatcher::new(
            [("征地补偿", 1), ("跳楼", 2), ("𠀀村", 3)].map(|(p, v)| (p.to_string(), v)),
        );
        let toks = [
            "我们", "征地", "补偿", "不", "给", "就", "跳楼", "，", "𠀀", "村",
        ];
        let hits: Vec<(usize, String, i32)> = m
            .find(&toks)
            .into_iter()
            .map(|h| (h.start, h.text, *h.payload))
            .collect();
        let own = |s: usize, t: &str, p: i32| (s, t.to_string(), p);
        assert_eq!(
            hits,
            [own(1, "征地补偿", 1), own(6, "跳楼", 2), own(8, "𠀀村", 3)]
        );
        assert!(!m.may_start("我们") && m.may_start("征") && m.may_start("𠀀"));
    }

    #[test]
    fn terms_match_runs_of_whole_tokens_only() {
        let t = tax();
        let r = Rules::new(&t);
        // 征地 + 补偿 as two tokens still match the phrase 征地补偿 once.
        let s = r.score(&["村里", "征地", "补偿", "没有", "发放"]);
        let land = &s[idx(&t, "land")];
        assert_eq!(land.evidence, vec!["征地补偿".to_string()]);
        // A term inside another token does not match: 法院 is not inside 法院路 token here.
        let s = r.score(&["住在", "法院路", "附近"]);
        assert_eq!(s[idx(&t, "legal")].score, 0.0);
    }

    #[test]
    fn land_letter_mentioning_the_court_is_land_first() {
        let t = tax();
        let r = Rules::new(&t);
        let toks = [
            "我们",
            "村",
            "的",
            "耕地",
            "被",
            "征用",
            "，",
            "征地",
            "补偿款",
            "至今",
            "未",
            "发放",
            "，",
            "法院",
            "也",
            "不",
            "受理",
            "。",
            "要求",
            "发放",
            "征地补偿",
            "款",
            "。",
        ];
        let s = r.score(&toks);
        assert!(s[idx(&t, "land")].score > 2.0 * s[idx(&t, "legal")].score);
        assert!(s[idx(&t, "legal")].evidence.contains(&"法院".to_string()));
    }

    #[test]
    fn demand_clause_boosts_and_repeats_diminish() {
        let t = tax();
        let r = Rules::new(&t);
        let plain = r.score(&["工资", "。"])[idx(&t, "labor")].score;
        let demand = r.score(&["要求", "发放", "工资", "。"])[idx(&t, "labor")].score;
        assert!(demand > plain);
        let twice = r.score(&["工资", "。", "工资", "。"])[idx(&t, "labor")].score;
        assert!(twice < 2.0 * plain && twice > plain);
    }

    #[test]
    fn negative_cues_lower_the_score() {
        let t = tax();
        let r = Rules::new(&t);
        let without = r.score(&["征地", "补偿款"])[idx(&t, "land")].score;
        let with = r.score(&["征地", "补偿款", "土地承包"])[idx(&t, "land")].score;
        assert!(with < without);
    }

    #[test]
    fn whitespace_tokens_from_ocr_are_skipped() {
        let t = tax();
        let r = Rules::new(&t);
        let s = r.score(&["拖欠", " ", "工资"]);
        assert!(s[idx(&t, "labor")]
            .evidence
            .contains(&"拖欠工资".to_string()));
    }
}
