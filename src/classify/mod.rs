//! Classification of petitions (信访事项分类): multi-label categories with scores and evidence,
//! flags with evidence, and the responsible unit (归口单位).
//!
//! Why it exists: a clerk sorts hundreds of letters a week into categories, counts collective,
//! skip-level and risky ones, and sends each to the unit in charge. This stage does that on the
//! jieba tokens the shared segmenter produced (one segmentation per record), combining the
//! taxonomy's rules (`rules.rs`) with an optional learned model (`model.rs`).
//!
//! What it must never do: work on raw substrings alone, assign a category without evidence, or
//! panic on an empty record. Data: the taxonomy file (`data/taxonomy.toml`), the model saved by
//! `xinfang train` (`<index>/model.json`), and record fields filled by the extraction stage.
//!
//! How model and rules combine: the rule score `s` of a category becomes `r = s / (s + 4)`;
//! the model's decision values become probabilities `p` (softmax), each model class mapped onto
//! a taxonomy code through [`Taxonomy::code_for_label`]; the final score is
//! `(1 − w)·r + w·p` with `w = model_weight` from the taxonomy. A category is a candidate when
//! its rule score reaches `min_score` or the model gives it at least 0.4; the primary is the best
//! candidate, secondaries are candidates scoring at least `secondary_ratio` of it. The model adds
//! its strongest tokens present in the text to the evidence. A ledger's own category column
//! (`given_category`), when it maps onto a code, adds 1.0 to that code: the clerk's label wins.

pub mod flags;
pub mod model;
pub mod route;
pub mod rules;
pub mod taxonomy;

pub use flags::{FlagRules, Flags};
pub use model::{train, LinearModel, TrainError, TrainOptions, TrainReport};
pub use rules::{RuleScore, Rules};
pub use taxonomy::{CategoryDef, Taxonomy};

use crate::record::{Category, Record};

/// Rule score at which a category's rule part reaches one half.
const RULE_HALF: f32 = 4.0;
/// Softmax temperature for the model's decision values.
const MODEL_TEMPERATURE: f32 = 0.3;
/// A model probability from which a category is a candidate on the model alone.
const MODEL_CANDIDATE: f32 = 0.4;
/// Evidence tokens the model contributes per category.
const MODEL_EVIDENCE: usize = 3;

/// The result of classifying one record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Classification {
    /// Sorted by score, primary first; the fallback category when nothing matched.
    pub categories: Vec<Category>,
    /// Flag name → evidence.
    pub flags: Flags,
    /// Responsible unit (归口单位).
    pub route: Option<String>,
}

/// Rules, flags and an optional learned model over one taxonomy.
pub struct Classifier {
    taxonomy: Taxonomy,
    rules: Rules,
    flag_rules: FlagRules,
    model: Option<LinearModel>,
    /// Model class index → taxonomy category index.
    model_codes: Vec<Option<usize>>,
    /// Unit-cue matcher of each taxonomy category (routing), built once.
    unit_cues: Vec<Option<rules::PhraseMatcher<usize>>>,
}

impl Classifier {
    pub fn new(taxonomy: Taxonomy, model: Option<LinearModel>) -> Self {
        let rules = Rules::new(&taxonomy);
        let model_codes = model
            .as_ref()
            .map(|m| {
                m.classes
                    .iter()
                    .map(|c| {
                        taxonomy.code_for_label(c).and_then(|code| {
                            taxonomy.categories().iter().position(|d| d.code == code)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let unit_cues = taxonomy
            .categories()
            .iter()
            .map(route::unit_cue_matcher)
            .collect();
        Classifier {
            taxonomy,
            rules,
            flag_rules: FlagRules::new(),
            model,
            model_codes,
            unit_cues,
        }
    }

    /// Flags from these cue words instead of the built-in ones (an office's `flags.toml`).
    pub fn with_flag_rules(mut self, flag_rules: FlagRules) -> Self {
        self.flag_rules = flag_rules;
        self
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    pub fn model(&self) -> Option<&LinearModel> {
        self.model.as_ref()
    }

    /// Model classes that map onto no taxonomy code (their votes are ignored): report them.
    pub fn unmapped_model_classes(&self) -> Vec<&str> {
        match &self.model {
            Some(m) => m
                .classes
                .iter()
                .zip(&self.model_codes)
                .filter(|(_, c)| c.is_none())
                .map(|(l, _)| l.as_str())
                .collect(),
            None => Vec::new(),
        }
    }

    /// Categories only (no flags or route).
    pub fn categorise(&self, record: &Record, tokens: &[&str]) -> Vec<Category> {
        let cats = self.taxonomy.categories();
        let rule = self.rules.score(tokens);
        let w = if self.model.is_some() {
            self.taxonomy.model_weight
        } else {
            0.0
        };
        let mut prob = vec![0f32; cats.len()];
        let mut model_best: Vec<Option<usize>> = vec![None; cats.len()];
        if let Some(m) = &self.model {
            let p = m.predict(tokens).probabilities(MODEL_TEMPERATURE);
            for (k, pk) in p.iter().enumerate() {
                if let Some(Some(c)) = self.model_codes.get(k) {
                    prob[*c] += pk;
                    if model_best[*c].is_none() {
                        model_best[*c] = Some(k);
                    }
                }
            }
        }
        let given = record
            .given_category
            .as_deref()
            .and_then(|g| self.taxonomy.code_for_label(g).map(|c| (g, c)));
        let mut scored: Vec<Category> = Vec::new();
        for (i, c) in cats.iter().enumerate() {
            let s = rule[i].score;
            let r = s / (s + RULE_HALF);
            let mut score = (1.0 - w) * r + w * prob[i];
            let mut evidence = rule[i].evidence.clone();
            let mut candidate = s >= self.taxonomy.min_score || prob[i] >= MODEL_CANDIDATE;
            if let Some((g, code)) = given {
                if code == c.code {
                    score += 1.0;
                    candidate = true;
                    evidence.insert(0, format!("问题类别：{}", g.trim()));
                }
            }
            if !candidate || c.code == self.taxonomy.fallback {
                continue;
            }
            if let (Some(m), Some(k)) = (&self.model, model_best[i]) {
                if prob[i] >= 0.2 {
                    for t in m.evidence(tokens, k, MODEL_EVIDENCE) {
                        if !evidence.iter().any(|e| e.contains(t.as_str())) {
                            evidence.push(t);
                        }
                    }
                }
            }
            scored.push(Category {
                code: c.code.clone(),
                score: (score * 1000.0).round() / 1000.0,
                evidence,
            });
        }
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.code.cmp(&b.code)));
        if let Some(top) = scored.first().map(|c| c.score) {
            let ratio = self.taxonomy.secondary_ratio;
            scored.retain(|c| c.score >= top * ratio);
            scored
        } else {
            vec![Category {
                code: self.taxonomy.fallback.clone(),
                score: 0.0,
                evidence: Vec::new(),
            }]
        }
    }

    /// Categories (sorted by score, primary first; each with score and evidence), flags (names
    /// and evidence) and route.
    pub fn classify(&self, record: &Record, tokens: &[&str]) -> Classification {
        let categories = self.categorise(record, tokens);
        // The legal category marks a matter as law-related when it is primary or rests on
        // at least two words: one passing mention of a judge is not a case in court.
        let legal = categories
            .iter()
            .enumerate()
            .find(|(i, c)| c.code == "legal" && (*i == 0 || c.evidence.len() >= 2))
            .map(|(_, c)| c.code.as_str());
        let flags = self.flag_rules.flags(record, tokens, legal);
        let route = categories.first().and_then(|c| {
            let i = self
                .taxonomy
                .categories()
                .iter()
                .position(|d| d.code == c.code)?;
            let def = &self.taxonomy.categories()[i];
            route::route_with(def, self.unit_cues[i].as_ref(), record, tokens)
        });
        Classification {
            categories,
            flags,
            route,
        }
    }

    /// Fill `record.categories`, `record.flags`, `record.flag_evidence` and `record.route`.
    pub fn apply(&self, record: &mut Record, tokens: &[&str]) {
        let c = self.classify(record, tokens);
        record.categories = c.categories;
        record.flags = c.flags.keys().cloned().collect();
        record.flag_evidence = c.flags;
        record.route = c.route;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jieba_rs::Jieba;

    fn seg(tax: &Taxonomy) -> Jieba {
        let mut j = Jieba::new();
        for w in tax.extra_dictionary_words() {
            j.add_word(w, None, None);
        }
        j
    }

    /// The built-in taxonomy's classifier (no model) and a segmenter that knows its terms.
    fn default_classifier() -> (Classifier, Jieba) {
        let tax = Taxonomy::default_taxonomy().unwrap();
        let j = seg(&tax);
        (Classifier::new(tax, None), j)
    }

    fn classify(c: &Classifier, j: &Jieba, text: &str, rec: &mut Record) {
        rec.text = text.to_string();
        let toks: Vec<&str> = j.cut(text, true).into_iter().map(|t| t.word).collect();
        c.apply(rec, &toks);
    }

    /// A new record of `text`, classified.
    fn classified(c: &Classifier, j: &Jieba, text: &str) -> Record {
        let mut r = Record::default();
        classify(c, j, text, &mut r);
        r
    }

    #[test]
    fn land_letter_with_court_mention_is_land_first_and_law_related() {
        let (c, j) = default_classifier();
        let mut r = Record::default();
        r.place.township = Some("城关镇".into());
        r.place.village = Some("东关村".into());
        classify(
            &c,
            &j,
            "2019年修高速公路征用我村耕地，征地补偿款至今没有发放到位。我们去法院起诉，法院说不归他们管。要求发放征地补偿款。",
            &mut r,
        );
        assert_eq!(r.categories[0].code, "land", "{:?}", r.categories);
        assert!(r.categories.iter().any(|c| c.code == "legal"));
        assert!(r.flags.contains(&"law_related".to_string()));
        assert_eq!(r.route.as_deref(), Some("城关镇人民政府"));
        assert!(r.categories[0].evidence.iter().any(|e| e.contains("征地")));
    }

    #[test]
    fn labor_and_veterans_letters() {
        let (c, j) = default_classifier();
        let r = classified(
            &c,
            &j,
            "县机械厂拖欠我们十几名退休职工的医疗费和养老金，社会统筹也不交。",
        );
        assert_eq!(r.categories[0].code, "labor");
        assert_eq!(r.route.as_deref(), Some("县人力资源和社会保障局"));
        let r = classified(
            &c,
            &j,
            "我是老复员军人，1968年入伍，退伍后生活困难，优抚待遇一直没有落实。",
        );
        assert_eq!(r.categories[0].code, "veterans");
    }

    #[test]
    fn a_village_cadres_misconduct_is_officials_before_rural() {
        // The matter is who did wrong (干部作风, 纪检监察), whatever fund it concerns: the
        // rural words (扶贫, 贫困户) make 农村农业 second.
        let (c, j) = default_classifier();
        let r = classified(&c, &j, "村支书利用职务之便，把村里的扶贫资金给了自己的亲戚，贫困户一分钱也没拿到。请求纪检监察机关立案审查。");
        let codes: Vec<&str> = r.categories.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes[..2], ["officials", "rural"], "{:?}", r.categories);
    }

    #[test]
    fn empty_record_gets_the_fallback_without_panicking() {
        let tax = Taxonomy::default_taxonomy().unwrap();
        let c = Classifier::new(tax, None);
        let mut r = Record::default();
        c.apply(&mut r, &[]);
        assert_eq!(r.categories.len(), 1);
        assert_eq!(r.categories[0].code, "other");
        assert_eq!(r.route.as_deref(), Some("县信访局"));
        assert!(r.flags.is_empty());
    }

    #[test]
    fn given_category_from_a_ledger_wins() {
        let (c, j) = default_classifier();
        let mut r = Record {
            given_category: Some("劳动和社会保障".into()),
            ..Default::default()
        };
        classify(&c, &j, "小区物业乱收费。", &mut r);
        assert_eq!(r.categories[0].code, "labor");
        assert_eq!(r.categories[0].evidence[0], "问题类别：劳动和社会保障");
    }

    #[test]
    fn model_and_rules_combine() {
        let tax = Taxonomy::default_taxonomy().unwrap();
        let mut ex = Vec::new();
        for i in 0..30 {
            ex.push((
                vec!["网签".to_string(), "备案".into(), format!("x{i}")],
                "城乡建设".to_string(),
            ));
            ex.push((
                vec!["课时费".to_string(), "班主任".into(), format!("y{i}")],
                "教育文体".to_string(),
            ));
        }
        let opts = TrainOptions {
            folds: 0,
            ..Default::default()
        };
        let (m, _) = train(&ex, &opts).unwrap();
        let c = Classifier::new(tax, Some(m));
        assert!(c.unmapped_model_classes().is_empty());
        let r = Record::default();
        // No rule term matches, the model alone decides, and its tokens are the evidence.
        let out = c.classify(&r, &["网签", "备案", "迟迟", "办不下来"]);
        assert_eq!(out.categories[0].code, "urban", "{:?}", out.categories);
        assert!(out.categories[0].evidence.contains(&"网签".to_string()));
    }
}
