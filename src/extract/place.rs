//! Places (county → township → village) and the county gazetteer (地名表) that resolves them.
//!
//! Why it exists: routing (分级负责、归口办理) sends a local matter to its township, and
//! statistics are kept by township and village. Free text names places loosely (`城关`,
//! `东关村`, `清溪县城关镇东关村`), and a letter mentions several places; the petitioner's own
//! address (住/家住/住址/现住) is the one that counts.
//!
//! Must never: invent a township for a village that several townships share without a hint
//! (the first listed is only used when nothing in the letter disambiguates — the evidence text
//! shows what was read); change place names found by the fallback patterns (they are returned
//! as written).
//!
//! Data: `data/gazetteer.toml`, maintained by the county office (format in `data/README.md`):
//! province, city, county and its aliases, and townships with aliases and villages.

use crate::record::Place;
use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct GazetteerFile {
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    county: String,
    #[serde(default)]
    county_aliases: Vec<String>,
    #[serde(default)]
    township: Vec<TownshipFile>,
}

#[derive(Deserialize)]
struct TownshipFile {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    villages: Vec<String>,
}

/// One township (乡/镇/街道) with its villages and communities (村/社区).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Township {
    pub name: String,
    pub aliases: Vec<String>,
    pub villages: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    County,
    Township(usize),
    /// Village: township index.
    Village(usize),
}

/// The county's place names, compiled into one matcher. Cheap to share between threads.
#[derive(Clone, Debug)]
pub struct Gazetteer {
    province: String,
    city: String,
    county: String,
    county_aliases: Vec<String>,
    townships: Vec<Township>,
    /// Every county, township and village name and alias, longest first, each with what it
    /// names; the matcher's pattern index is the index here (no look-up by name per hit).
    names: Vec<(String, Vec<Entry>)>,
    /// `names` in one automaton (leftmost-first: the longest name at a position wins); `None`
    /// for an empty gazetteer.
    matcher: Option<AhoCorasick>,
}

impl Default for Gazetteer {
    /// An empty gazetteer: only the fallback patterns find places.
    fn default() -> Self {
        Self::build(
            String::new(),
            String::new(),
            String::new(),
            Vec::new(),
            Vec::new(),
        )
    }
}

impl Gazetteer {
    /// Read `data/gazetteer.toml`.
    pub fn from_toml(s: &str) -> Result<Self, String> {
        let f: GazetteerFile = toml::from_str(s).map_err(|e| format!("gazetteer.toml: {e}"))?;
        if f.county.trim().is_empty() {
            return Err("gazetteer.toml: `county` is empty".into());
        }
        let townships = f
            .township
            .into_iter()
            .map(|t| Township {
                name: t.name,
                aliases: t.aliases,
                villages: t.villages,
            })
            .collect();
        Ok(Self::build(
            f.province,
            f.city,
            f.county,
            f.county_aliases,
            townships,
        ))
    }

    fn build(
        province: String,
        city: String,
        county: String,
        county_aliases: Vec<String>,
        townships: Vec<Township>,
    ) -> Self {
        let mut entries: HashMap<String, Vec<Entry>> = HashMap::default();
        let mut add = |name: &str, e: Entry| {
            let name = name.trim();
            if name.chars().count() >= 2 {
                let v = entries.entry(name.to_owned()).or_default();
                if !v.contains(&e) {
                    v.push(e);
                }
            }
        };
        add(&county, Entry::County);
        for a in &county_aliases {
            add(a, Entry::County);
        }
        for (i, t) in townships.iter().enumerate() {
            add(&t.name, Entry::Township(i));
            for a in &t.aliases {
                add(a, Entry::Township(i));
            }
            for v in &t.villages {
                add(v, Entry::Village(i));
            }
        }
        let mut names: Vec<(String, Vec<Entry>)> = entries.into_iter().collect();
        names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let matcher = if names.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(names.iter().map(|n| &n.0))
                .ok()
        };
        Gazetteer {
            province,
            city,
            county,
            county_aliases,
            townships,
            names,
            matcher,
        }
    }

    pub fn province(&self) -> &str {
        &self.province
    }

    pub fn city(&self) -> &str {
        &self.city
    }

    pub fn county(&self) -> &str {
        &self.county
    }

    pub fn county_aliases(&self) -> &[String] {
        &self.county_aliases
    }

    pub fn townships(&self) -> &[Township] {
        &self.townships
    }

    /// Every place name (province, city, county, townships, villages, aliases), e.g. to add them
    /// to the jieba dictionary so that segmentation keeps them whole.
    pub fn place_names(&self) -> impl Iterator<Item = &str> {
        [self.province.as_str(), self.city.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .chain(self.names.iter().map(|n| n.0.as_str()))
    }
}

/// A gazetteer name found in a text.
#[derive(Clone, Debug)]
struct PlaceHit<'g> {
    start: usize,
    end: usize,
    entries: &'g [Entry],
}

/// The resolved place and the text it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlaceFound {
    pub place: Place,
    pub text: String,
    /// Byte span in the searched text.
    pub start: usize,
    pub end: usize,
}

static FALLBACK_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<county>\p{Han}{2,4}?[县区])?(?P<town>\p{Han}{2,5}?(?:镇|乡|街道))(?P<village>\p{Han}{1,5}?(?:村|社区))?|(?P<county2>\p{Han}{2,4}?县)(?P<village2>\p{Han}{2,5}?(?:村|社区))",
    )
    .expect("fallback place regex")
});

fn chars_before(text: &str, at: usize, n: usize) -> &str {
    let start = text[..at]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(at, |(i, _)| i);
    &text[start..at]
}

fn address_score(text: &str, start: usize, end: usize) -> u8 {
    let before = chars_before(text, start, 10);
    let before = before.rsplit(['\n', '。', '；']).next().unwrap_or(before);
    let after: String = text[end..].chars().take(3).collect();
    if ["家住", "住址", "现住", "居住", "住在", "户籍", "地址"]
        .iter()
        .any(|c| before.contains(c))
        || before.ends_with('住')
    {
        3
    } else if ["村民", "居民", "群众", "人，", "人。"]
        .iter()
        .any(|c| after.starts_with(c))
        || ["我是", "我们是", "系", "来自"]
            .iter()
            .any(|c| before.contains(c))
    {
        2
    } else {
        1
    }
}

impl Gazetteer {
    fn hits(&self, text: &str) -> Vec<PlaceHit<'_>> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        m.find_iter(text)
            .map(|m| PlaceHit {
                start: m.start(),
                end: m.end(),
                entries: &self.names[m.pattern().as_usize()].1,
            })
            .collect()
    }

    /// Resolve the place of a petition in `text`: the petitioner's address when one is stated,
    /// else the place the letter names as the petitioners' own (`X村村民`), else the first place
    /// named. Falls back to written patterns (`XX县XX镇XX村`) when no gazetteer name occurs.
    pub(crate) fn resolve(&self, text: &str) -> Option<PlaceFound> {
        let hits = self.hits(text);
        if hits.is_empty() {
            return self.fallback(text);
        }
        // Group names written together (`清溪县城关镇东关村`).
        let mut groups: Vec<Vec<&PlaceHit>> = Vec::new();
        for h in &hits {
            match groups.last_mut() {
                Some(g)
                    if h.start <= g.last().expect("non-empty group").end + 3
                        && !text[g.last().expect("non-empty").end..h.start]
                            .contains(['，', '。', '\n', '、']) =>
                {
                    g.push(h)
                }
                _ => groups.push(vec![h]),
            }
        }
        let scored = groups.iter().map(|g| {
            let first = g.first().expect("non-empty group");
            let last = g.last().expect("non-empty group");
            let score = address_score(text, first.start, last.end);
            // A group that reaches a village is more specific than one that names a township,
            // which is more specific than the county alone.
            let specific = g
                .iter()
                .flat_map(|h| h.entries.iter())
                .map(|e| match e {
                    Entry::Village(_) => 2u8,
                    Entry::Township(_) => 1,
                    Entry::County => 0,
                })
                .max()
                .unwrap_or(0);
            (score, specific, g)
        });
        let (_, _, group) = scored
            .fold(None::<(u8, u8, &Vec<&PlaceHit>)>, |best, cur| match best {
                // A bare county mention (`清溪县第二轻工机械厂`) never beats a township.
                Some(b) if (b.1 > 0, b.0, b.1) >= (cur.1 > 0, cur.0, cur.1) => Some(b),
                _ => Some(cur),
            })
            .expect("at least one group");
        let start = group.first().expect("non-empty").start;
        let end = group.last().expect("non-empty").end;

        let mut place = Place::default();
        let mut township: Option<usize> = None;
        let mut county_named = false;
        for h in group.iter() {
            for e in h.entries {
                match e {
                    Entry::County => county_named = true,
                    Entry::Township(i) if township.is_none() => township = Some(*i),
                    _ => {}
                }
            }
        }
        let village_hit = group
            .iter()
            .find(|h| h.entries.iter().any(|e| matches!(e, Entry::Village(_))));
        if let Some(vh) = village_hit {
            let owners: Vec<usize> = vh
                .entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Village(t) => Some(*t),
                    _ => None,
                })
                .collect();
            let chosen = match township {
                Some(t) if owners.contains(&t) => Some(t),
                Some(_) => None,
                None => {
                    // Disambiguate by the nearest township named elsewhere in the letter.
                    let near = hits
                        .iter()
                        .filter_map(|h| {
                            h.entries.iter().find_map(|e| match e {
                                Entry::Township(t) if owners.contains(t) => {
                                    Some((h.start.abs_diff(vh.start), *t))
                                }
                                _ => None,
                            })
                        })
                        .min();
                    Some(near.map_or(owners[0], |(_, t)| t))
                }
            };
            if let Some(t) = chosen {
                township = Some(t);
                place.village = Some(text[vh.start..vh.end].to_owned());
            }
        }
        if let Some(t) = township {
            place.township = Some(self.townships[t].name.clone());
        }
        if township.is_some() || county_named {
            place.county = Some(self.county.clone());
        }
        Some(PlaceFound {
            place,
            text: text[start..end].to_owned(),
            start,
            end,
        })
    }

    /// Places not in the gazetteer, returned as written: prefers a match after an address cue.
    fn fallback(&self, text: &str) -> Option<PlaceFound> {
        let mut best: Option<(u8, PlaceFound)> = None;
        for caps in FALLBACK_RE.captures_iter(text) {
            let m = caps.get(0).expect("group 0");
            // A lazy match may start a few characters early (`家住平安县`): keep what follows
            // the last address word.
            let strip_cue = |s: &str| -> String {
                let cut = s
                    .char_indices()
                    .filter(|(_, c)| {
                        matches!(
                            c,
                            '住' | '址'
                                | '自'
                                | '是'
                                | '在'
                                | '系'
                                | '于'
                                | '的'
                                | '到'
                                | '去'
                                | '找'
                        )
                    })
                    .map(|(i, c)| i + c.len_utf8())
                    .next_back()
                    .unwrap_or(0);
                s[cut..].to_owned()
            };
            let county = caps
                .name("county")
                .or(caps.name("county2"))
                .map(|c| strip_cue(c.as_str()));
            let town = caps.name("town").map(|c| c.as_str().to_owned());
            let (town, county) = match (town, county) {
                (Some(t), None) => (Some(strip_cue(&t)), None),
                other => other,
            };
            let village = caps
                .name("village")
                .or(caps.name("village2"))
                .map(|c| c.as_str().to_owned());
            let score = address_score(text, m.start(), m.end());
            let parts = [county.is_some(), town.is_some(), village.is_some()]
                .iter()
                .filter(|b| **b)
                .count();
            if parts < 2 && score < 3 {
                continue;
            }
            let county = county.filter(|c| c.chars().count() >= 2);
            let found = PlaceFound {
                place: Place {
                    county,
                    township: town,
                    village,
                },
                text: m.as_str().to_owned(),
                start: m.start(),
                end: m.end(),
            };
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, found));
            }
        }
        best.map(|(_, f)| f)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const TEST_GAZETTEER: &str = r#"
province = "河南省"
city = "南川市"
county = "清溪县"
county_aliases = ["清溪"]

[[township]]
name = "城关镇"
aliases = ["城关"]
villages = ["东关村", "西关社区", "南街社区"]

[[township]]
name = "石桥乡"
villages = ["马庄村", "石桥村", "王庄村"]

[[township]]
name = "柳河镇"
villages = ["王庄村", "柳河村"]
"#;

    fn gaz() -> Gazetteer {
        Gazetteer::from_toml(TEST_GAZETTEER).unwrap()
    }

    fn p(c: &str, t: &str, v: Option<&str>) -> Place {
        Place {
            county: Some(c.into()),
            township: Some(t.into()),
            village: v.map(Into::into),
        }
    }

    #[test]
    fn parses_and_lists_names() {
        let g = gaz();
        assert_eq!(g.county(), "清溪县");
        assert_eq!(g.townships().len(), 3);
        let names: Vec<&str> = g.place_names().collect();
        for n in [
            "河南省",
            "南川市",
            "清溪县",
            "清溪",
            "城关镇",
            "城关",
            "东关村",
            "王庄村",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        assert!(Gazetteer::from_toml("county = \"\"").is_err());
        assert!(Gazetteer::from_toml("not toml [").is_err());
    }

    #[test]
    fn prefers_the_petitioners_address() {
        let g = gaz();
        let t = "我们去城关镇政府反映过。我叫王建国，家住石桥乡马庄村，村里的地被占了。";
        let f = g.resolve(t).unwrap();
        assert_eq!(f.place, p("清溪县", "石桥乡", Some("马庄村")));
        assert_eq!(f.text, "石桥乡马庄村");
    }

    #[test]
    fn alias_and_full_path() {
        let g = gaz();
        let f = g.resolve("我是清溪县城关镇东关村村民。").unwrap();
        assert_eq!(f.place, p("清溪县", "城关镇", Some("东关村")));
        let f = g.resolve("反映城关拆迁问题").unwrap();
        assert_eq!(f.place, p("清溪县", "城关镇", None));
    }

    #[test]
    fn shared_village_resolved_by_nearby_township() {
        let g = gaz();
        let f = g
            .resolve("柳河镇的干部说，我们王庄村村民的补偿款已经发了。")
            .unwrap();
        assert_eq!(f.place, p("清溪县", "柳河镇", Some("王庄村")));
        let f = g.resolve("我是石桥乡王庄村村民。").unwrap();
        assert_eq!(f.place, p("清溪县", "石桥乡", Some("王庄村")));
    }

    #[test]
    fn township_beats_a_bare_county_mention() {
        let f = gaz()
            .resolve("清溪县县长信箱：\n此事我们多次找村委会和石桥乡政府反映。")
            .unwrap();
        assert_eq!(f.place, p("清溪县", "石桥乡", None));
        let t = "我叫王建国，是河南省南川市清溪县城关镇东关村的一名普通农民。我是清溪县食品公司的退休职工。";
        assert_eq!(
            gaz().resolve(t).unwrap().place,
            p("清溪县", "城关镇", Some("东关村"))
        );
    }

    #[test]
    fn fallback_patterns_as_written() {
        let g = gaz();
        let f = g.resolve("我家住平安县太平镇李家村，反映问题。").unwrap();
        assert_eq!(
            f.place,
            Place {
                county: Some("平安县".into()),
                township: Some("太平镇".into()),
                village: Some("李家村".into())
            }
        );
        let empty = Gazetteer::default();
        let f = empty.resolve("住址：红旗街道幸福社区").unwrap();
        assert_eq!(f.place.township.as_deref(), Some("红旗街道"));
        assert_eq!(f.place.village.as_deref(), Some("幸福社区"));
        assert!(empty.resolve("没有地名的一句话").is_none());
    }
}
