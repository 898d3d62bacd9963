//! The taxonomy of petition matters (信访事项分类): categories with codes, Chinese names, weighted
//! terms, negative cues, responsible units (归口单位) and their alignment with the official
//! three-level classification of government messages.
//!
//! Why it exists: every office counts its petitions in its own categories, and reports upwards in
//! the official scheme. The taxonomy is data (`data/taxonomy.toml`, format in `data/taxonomy.md`) so
//! an office can edit or replace it without a new build.
//!
//! What it must never do: guess silently on a malformed file (every problem is an error value that
//! names the category), or hold matching logic (that lives in `rules.rs`).

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The default taxonomy shipped with xinfang.
pub const DEFAULT_TAXONOMY: &str = include_str!("../../data/taxonomy.toml");

/// A county unit chosen when one of `cues` appears in the text (e.g. 法院 → 县人民法院).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCue {
    pub cues: Vec<String>,
    pub unit: String,
}

/// One category of the taxonomy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// Short ASCII code (`land`, `labor` …), stored on records.
    pub code: String,
    /// Chinese name (征地拆迁 …).
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Term or phrase → weight. A term matches a run of whole jieba tokens.
    #[serde(default)]
    pub terms: BTreeMap<String, f32>,
    /// Cues that point elsewhere: each one found takes `negative_weight` off the score.
    #[serde(default)]
    pub negative: Vec<String>,
    #[serde(default = "default_negative_weight")]
    pub negative_weight: f32,
    /// Responsible county units (归口单位); the first is the default.
    #[serde(default)]
    pub units: Vec<String>,
    /// Units chosen by cue, checked in order before `units`.
    #[serde(default)]
    pub unit_cue: Vec<UnitCue>,
    /// Local matter: route to the record's township when it is known.
    #[serde(default)]
    pub route_local: bool,
    /// With `route_local`: only when the village is known too (a matter within one village).
    #[serde(default)]
    pub route_local_needs_village: bool,
    /// Other names of this category in ledgers' own category columns.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Official classes covered: `一级` or `一级/二级`. The most specific path wins.
    #[serde(default)]
    pub official: Vec<String>,
}

fn default_negative_weight() -> f32 {
    2.0
}

fn default_min_score() -> f32 {
    2.0
}
fn default_ratio() -> f32 {
    0.4
}
fn default_model_weight() -> f32 {
    0.5
}
fn default_boost() -> f32 {
    1.5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    name: String,
    #[serde(default)]
    official_scheme: String,
    #[serde(default)]
    official_first_level: Vec<String>,
    fallback: String,
    #[serde(default = "default_min_score")]
    min_score: f32,
    #[serde(default = "default_ratio")]
    secondary_ratio: f32,
    #[serde(default = "default_model_weight")]
    model_weight: f32,
    #[serde(default = "default_boost")]
    demand_boost: f32,
    #[serde(default)]
    demand_cues: Vec<String>,
    category: Vec<CategoryDef>,
}

/// A loaded, checked taxonomy.
#[derive(Clone, Debug)]
pub struct Taxonomy {
    pub name: String,
    pub official_scheme: String,
    pub official_first_level: Vec<String>,
    pub fallback: String,
    pub min_score: f32,
    pub secondary_ratio: f32,
    pub model_weight: f32,
    pub demand_boost: f32,
    pub demand_cues: Vec<String>,
    categories: Vec<CategoryDef>,
    by_code: HashMap<String, usize>,
    /// Normalised label → category index (codes, names, label synonyms, official classes).
    labels: HashMap<String, usize>,
}

/// Label normalisation for lookups: no whitespace, full-width ASCII folded, lower case.
fn norm_label(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(|c| c.to_lowercase())
        .collect()
}

impl Taxonomy {
    /// The taxonomy shipped with xinfang.
    pub fn default_taxonomy() -> Result<Self, String> {
        Self::from_toml(DEFAULT_TAXONOMY)
    }

    /// Parse and check a taxonomy file.
    pub fn from_toml(s: &str) -> Result<Self, String> {
        let f: TaxonomyFile = toml::from_str(s).map_err(|e| format!("taxonomy: {e}"))?;
        if f.version > 1 {
            return Err(format!(
                "taxonomy: format version {} is newer than this xinfang (1)",
                f.version
            ));
        }
        if f.category.is_empty() {
            return Err("taxonomy: no [[category]]".into());
        }
        let mut by_code = HashMap::default();
        for (i, c) in f.category.iter().enumerate() {
            if c.code.trim().is_empty() || c.name.trim().is_empty() {
                return Err(format!("taxonomy: category #{} has no code or name", i + 1));
            }
            if by_code.insert(c.code.clone(), i).is_some() {
                return Err(format!("taxonomy: code `{}` appears twice", c.code));
            }
            if let Some((t, w)) = c.terms.iter().find(|(_, w)| !w.is_finite() || **w < 0.0) {
                return Err(format!(
                    "taxonomy: `{}` term {t} has weight {w}: use a number ≥ 0",
                    c.code
                ));
            }
            if c.terms.keys().any(|t| t.trim().is_empty()) {
                return Err(format!("taxonomy: `{}` has an empty term", c.code));
            }
        }
        if !by_code.contains_key(&f.fallback) {
            return Err(format!(
                "taxonomy: fallback `{}` is not a category code",
                f.fallback
            ));
        }
        if !(0.0..=1.0).contains(&f.model_weight) {
            return Err("taxonomy: model_weight must be between 0 and 1".into());
        }
        // Label table, weakest source first so that stronger ones overwrite:
        // official first-level < official second-level < Chinese name < synonyms < code.
        let mut labels: HashMap<String, usize> = HashMap::default();
        for depth in [1usize, 2] {
            for (i, c) in f.category.iter().enumerate() {
                for path in &c.official {
                    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
                    if parts.len() == depth {
                        labels.insert(norm_label(parts[depth - 1]), i);
                        labels.insert(norm_label(path), i);
                    }
                }
            }
        }
        for (i, c) in f.category.iter().enumerate() {
            labels.insert(norm_label(&c.name), i);
        }
        for (i, c) in f.category.iter().enumerate() {
            for l in &c.labels {
                labels.insert(norm_label(l), i);
            }
        }
        for (i, c) in f.category.iter().enumerate() {
            labels.insert(norm_label(&c.code), i);
        }
        // "其他" as a second-level name is meaningless on its own.
        if let Some(&fb) = by_code.get(&f.fallback) {
            labels.insert(norm_label("其他"), fb);
        }
        for first in &f.official_first_level {
            if !labels.contains_key(&norm_label(first)) {
                return Err(format!(
                    "taxonomy: official class {first} is covered by no category"
                ));
            }
        }
        Ok(Taxonomy {
            name: f.name,
            official_scheme: f.official_scheme,
            official_first_level: f.official_first_level,
            fallback: f.fallback,
            min_score: f.min_score,
            secondary_ratio: f.secondary_ratio,
            model_weight: f.model_weight,
            demand_boost: f.demand_boost,
            demand_cues: f.demand_cues,
            categories: f.category,
            by_code,
            labels,
        })
    }

    /// Ledger category text (问题类别) → code, via codes, names, label synonyms and official
    /// class names (`劳动和社会保障` → `labor`, `城乡建设/国有土地上房屋征收与补偿` → `land`).
    /// A path like `一级/二级/三级` or `一级-二级` falls back to its most specific known part.
    pub fn code_for_label(&self, label: &str) -> Option<&str> {
        let n = norm_label(label);
        if n.is_empty() {
            return None;
        }
        if let Some(&i) = self.labels.get(&n) {
            return Some(&self.categories[i].code);
        }
        let parts: Vec<&str> = n
            .split(['/', '-', '>', '|', '、', '—', '－', '／'])
            .filter(|p| !p.is_empty())
            .collect();
        for k in (1..parts.len()).rev() {
            if let Some(&i) = self.labels.get(&parts[..=k].join("/")) {
                return Some(&self.categories[i].code);
            }
        }
        parts
            .iter()
            .rev()
            .filter(|p| **p != "其他")
            .find_map(|p| self.labels.get(*p))
            .map(|&i| self.categories[i].code.as_str())
    }

    /// All categories, in file order.
    pub fn categories(&self) -> &[CategoryDef] {
        &self.categories
    }

    /// The category with this code.
    pub fn category(&self, code: &str) -> Option<&CategoryDef> {
        self.by_code.get(code).map(|&i| &self.categories[i])
    }

    /// Official classes a code covers (as written in the taxonomy: `一级` or `一级/二级`).
    pub fn official_classes(&self, code: &str) -> &[String] {
        self.category(code)
            .map(|c| c.official.as_slice())
            .unwrap_or(&[])
    }

    /// The official first-level class a code reports under (its first official entry's first level).
    pub fn official_first_level_for(&self, code: &str) -> Option<&str> {
        self.official_classes(code)
            .first()
            .and_then(|p| p.split('/').next())
            .map(str::trim)
    }

    /// Multi-character terms, negative cues and unit cues, for the jieba dictionary, so that
    /// domain phrases come out of segmentation as single tokens.
    pub fn extra_dictionary_words(&self) -> impl Iterator<Item = &str> {
        self.categories
            .iter()
            .flat_map(|c| {
                c.terms
                    .keys()
                    .map(String::as_str)
                    .chain(c.negative.iter().map(String::as_str))
                    .chain(
                        c.unit_cue
                            .iter()
                            .flat_map(|u| u.cues.iter().map(String::as_str)),
                    )
            })
            .filter(|w| w.chars().count() >= 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_loads_and_covers_the_official_scheme() {
        let t = Taxonomy::default_taxonomy().unwrap();
        let codes: Vec<&str> = t.categories().iter().map(|c| c.code.as_str()).collect();
        for c in [
            "land",
            "enterprise",
            "legal",
            "labor",
            "veterans",
            "rural",
            "urban",
            "environment",
            "officials",
            "welfare",
            "education",
            "health",
            "transport",
            "commerce",
            "other",
        ] {
            assert!(codes.contains(&c), "missing {c}");
        }
        assert_eq!(t.official_first_level.len(), 15);
        for first in &t.official_first_level {
            assert!(t.code_for_label(first).is_some(), "{first}");
        }
    }

    #[test]
    fn label_synonyms_map_ledger_columns_onto_codes() {
        let t = Taxonomy::default_taxonomy().unwrap();
        assert_eq!(t.code_for_label("劳动和社会保障"), Some("labor"));
        assert_eq!(t.code_for_label(" 城乡建设 "), Some("urban"));
        assert_eq!(
            t.code_for_label("城乡建设/国有土地上房屋征收与补偿"),
            Some("land")
        );
        assert_eq!(
            t.code_for_label("民政/优抚/老退役军人待遇"),
            Some("veterans")
        );
        assert_eq!(t.code_for_label("经济管理-企业破产"), Some("enterprise"));
        assert_eq!(t.code_for_label("卫生计生"), Some("health"));
        assert_eq!(t.code_for_label("商贸旅游"), Some("commerce"));
        assert_eq!(t.code_for_label("LABOR"), Some("labor"));
        assert_eq!(t.code_for_label("征地拆迁"), Some("land"));
        assert_eq!(t.code_for_label("政法"), Some("legal"));
        assert_eq!(t.code_for_label("完全不相干"), None);
        assert_eq!(t.code_for_label(""), None);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert!(Taxonomy::from_toml("").is_err());
        assert!(
            Taxonomy::from_toml("fallback = \"x\"\n[[category]]\ncode=\"a\"\nname=\"甲\"").is_err()
        );
        let dup = "fallback = \"a\"\n[[category]]\ncode=\"a\"\nname=\"甲\"\n[[category]]\ncode=\"a\"\nname=\"乙\"";
        assert!(Taxonomy::from_toml(dup).unwrap_err().contains("twice"));
        let neg = "fallback = \"a\"\n[[category]]\ncode=\"a\"\nname=\"甲\"\n[category.terms]\n\"词\" = -1";
        assert!(Taxonomy::from_toml(neg).is_err());
    }

    #[test]
    fn dictionary_words_are_multi_character() {
        let t = Taxonomy::default_taxonomy().unwrap();
        let w: Vec<&str> = t.extra_dictionary_words().collect();
        assert!(w.contains(&"征地补偿"));
        assert!(w.iter().all(|w| w.chars().count() >= 2));
    }
}
