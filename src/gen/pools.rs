//! Sentence pools (句库) for the archive generator, and the little template language they use.
//!
//! Why: a benchmark archive must read like real petition letters *and* have a large, varied
//! vocabulary — repeated templates make segmentation and indexing look several times faster than
//! on real text. The pools are plain UTF-8 text files under `data/gen/` (committed, one template a
//! line, grouped by category code and letter part); they are embedded into the binary at compile
//! time, so `xinfang gen` needs no data directory at run time.
//!
//! Template language (documented in `data/gen/README.md`):
//! - `{槽}` — a slot filled at generation time (`{村}`, `{公司}`, `{金额}` …; see [`Slot`]);
//! - `{甲|乙|丙}` — one of the alternatives, chosen per use;
//! - `\n` — a line break inside one template (header blocks, cover notes);
//! - blank lines and lines starting with `#` are ignored.
//!
//! Must never: hold anything but fiction (no real people, IDs or phones), or silently drop a
//! template it cannot parse — an unknown slot is an error reported by [`Pools::load`].

use rand::Rng;
use std::fmt;

/// The fifteen matter category codes (信访事项分类), in the order used everywhere in `gen`.
pub const CATEGORIES: [&str; 15] = [
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
];

/// Parts of a letter each category has a pool for.
pub const CATEGORY_PARTS: [&str; 4] = ["title", "fact", "demand", "ledger"];

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/gen/", $name, ".txt")))),*]
    };
}

/// Every pool file, by its path under `data/gen/` without the `.txt` extension.
pub const FILES: &[(&str, &str)] = embed![
    "land/title",
    "land/fact",
    "land/demand",
    "land/ledger",
    "enterprise/title",
    "enterprise/fact",
    "enterprise/demand",
    "enterprise/ledger",
    "legal/title",
    "legal/fact",
    "legal/demand",
    "legal/ledger",
    "labor/title",
    "labor/fact",
    "labor/demand",
    "labor/ledger",
    "veterans/title",
    "veterans/fact",
    "veterans/demand",
    "veterans/ledger",
    "rural/title",
    "rural/fact",
    "rural/demand",
    "rural/ledger",
    "urban/title",
    "urban/fact",
    "urban/demand",
    "urban/ledger",
    "environment/title",
    "environment/fact",
    "environment/demand",
    "environment/ledger",
    "officials/title",
    "officials/fact",
    "officials/demand",
    "officials/ledger",
    "welfare/title",
    "welfare/fact",
    "welfare/demand",
    "welfare/ledger",
    "education/title",
    "education/fact",
    "education/demand",
    "education/ledger",
    "health/title",
    "health/fact",
    "health/demand",
    "health/ledger",
    "transport/title",
    "transport/fact",
    "transport/demand",
    "transport/ledger",
    "commerce/title",
    "commerce/fact",
    "commerce/demand",
    "commerce/ledger",
    "other/title",
    "other/fact",
    "other/demand",
    "other/ledger",
    "common/addressee_county",
    "common/addressee_city",
    "common/addressee_province",
    "common/addressee_national",
    "common/salute",
    "common/intro_single",
    "common/intro_block",
    "common/intro_joint_counted",
    "common/intro_joint",
    "common/id_phrase",
    "common/phone_phrase",
    "common/history",
    "common/hardship",
    "common/background",
    "common/risk_threat",
    "common/risk_negated",
    "common/demand_generic",
    "common/closing",
    "common/sign_label",
    "common/joint_sign_head",
    "common/connector",
    "common/repeat",
    "common/escalation",
    "common/ghostwriter",
    "common/attachment",
    "common/cover",
    "slots/厂",
    "slots/公司",
    "slots/部门",
    "slots/工地",
    "slots/小区",
    "slots/公路",
    "slots/医院",
    "slots/学校",
    "slots/污染源",
    "slots/病",
    "slots/市场",
    "slots/作物",
    "slots/项目",
];

macro_rules! slots {
    ($($var:ident = $zh:literal),* $(,)?) => {
        /// A slot of the template language. Slots marked *context* are set per letter by the
        /// composer (petitioner, place, addressee); the others are drawn on first use and then kept
        /// for the whole letter (and for all letters of one repeat petitioner's matter).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Slot { $($var),* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$var),*];
            pub fn name(self) -> &'static str { match self { $(Slot::$var => $zh),* } }
            pub fn from_name(s: &str) -> Option<Slot> { match s { $($zh => Some(Slot::$var),)* _ => None } }
            pub fn index(self) -> usize { self as usize }
        }
    };
}

slots! {
    // context: the petitioner and the letter
    Name = "姓名", Surname = "姓", Sex = "性别", Age = "年龄", AgeAlias = "岁", BirthYear = "出生年",
    BirthMonth = "出生月", Ethnicity = "民族", Address = "住址", IdNumber = "身份证", Phone = "电话",
    Province = "省", City = "市", County = "县", Township = "镇", Village = "村", NeighbourVillage = "邻村",
    Addressee = "收信", Headcount = "总人数", Households = "户数", Ordinal = "次",
    Forwarder = "上级", CoverDate = "交办日期", CoverNo = "编号", Topic = "摘要", Ghostwriter = "代笔人",
    // drawn: people and organisations
    OtherPerson = "人名", Official = "干部", Factory = "厂", Company = "公司", Department = "部门",
    Site = "工地", Estate = "小区", Road = "公路", Hospital = "医院", School = "学校", Polluter = "污染源",
    Illness = "病", Market = "市场", Crop = "作物", Project = "项目",
    // drawn: numbers and dates
    Money = "金额", BigMoney = "大额", SmallMoney = "小额", UnitPrice = "单价", MuPrice = "亩价", Rent = "租金", Mu = "亩", Fen = "分数",
    SquareMetres = "平方米", SmallArea = "小面积", People = "人数", Year = "年", EarlyYear = "早年",
    Years = "年数", Months = "月数", Month = "月", Days = "天", FamilySize = "口", Disability = "伤残",
    Pieces = "件数",
}

/// One piece of a parsed template.
#[derive(Clone, Debug)]
enum Piece {
    Lit(Box<str>),
    Slot(Slot),
    Alt(Box<[Box<str>]>),
}

/// Interchangeable words. Every occurrence in a template's literal text becomes a choice among
/// its set (the first set containing a longer match wins), so that one template yields many
/// wordings — colloquial 河南 forms (啥, 咋, 晓得, 村上) included. A word listed twice is
/// chosen twice as often.
const SYNONYMS: &[&[&str]] = &[
    &["直到现在", "到现在", "至今"],
    &["至今", "到现在", "直到现在", "到今天"],
    &["到现在", "至今", "到如今"],
    &["一直", "一直", "始终"],
    &["多次", "好几次", "屡次", "多次"],
    &["非常", "十分"],
    &["根本", "根本", "压根"],
    &["但是", "可是"],
    &["因为", "由于"],
    &["所以", "因此"],
    &["现在", "现在", "如今"],
    &["很多", "许多"],
    &["恳请", "恳求"],
    &["希望", "盼望"],
    &["没有", "没有", "没"],
    &["这件事", "此事", "这事"],
    &["工作人员", "办事人员"],
    &["答复", "回复"],
    &["老伴", "老伴儿"],
    &["知道", "知道", "晓得"],
    &["为什么", "为啥"],
    &["什么", "什么", "啥"],
    &["怎么", "怎么", "咋"],
    &["村里", "村里", "村上"],
    &["家里", "家里", "家中"],
    &["已经", "已经", "已"],
    &["找过", "去找过"],
    &["一点", "一点儿"],
];

/// Split literal text into literal and synonym-choice pieces.
fn push_literal(lit: &str, pieces: &mut Vec<Piece>) {
    let mut start = 0;
    let mut at = 0;
    while at < lit.len() {
        let rest = &lit[at..];
        let hit = SYNONYMS
            .iter()
            .filter(|set| rest.starts_with(set[0]))
            .max_by_key(|set| set[0].len())
            .copied();
        match hit {
            Some(set) => {
                if start < at {
                    pieces.push(Piece::Lit(lit[start..at].into()));
                }
                let alts: Vec<Box<str>> = set.iter().map(|w| Box::from(*w)).collect();
                pieces.push(Piece::Alt(alts.into_boxed_slice()));
                at += set[0].len();
                start = at;
            }
            None => at += rest.chars().next().map(char::len_utf8).unwrap_or(1),
        }
    }
    if start < lit.len() {
        pieces.push(Piece::Lit(lit[start..].into()));
    }
}

/// A parsed template line.
#[derive(Clone, Debug)]
pub struct Template {
    pieces: Box<[Piece]>,
}

/// A pool file could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "data/gen/{}.txt line {}: {}",
            self.file, self.line, self.message
        )
    }
}

impl std::error::Error for PoolError {}

impl Template {
    /// Parse one template line.
    pub fn parse(line: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = line;
        while let Some(open) = rest.find(['{', '\\']) {
            lit.push_str(&rest[..open]);
            let tail = &rest[open..];
            if let Some(after) = tail.strip_prefix("\\n") {
                lit.push('\n');
                rest = after;
                continue;
            }
            if let Some(after) = tail.strip_prefix('\\') {
                lit.push('\\');
                rest = after;
                continue;
            }
            let close = tail
                .find('}')
                .ok_or_else(|| format!("unclosed brace in {line:?}"))?;
            let inner = &tail[1..close];
            if inner.is_empty() || inner.contains('{') {
                return Err(format!("bad brace group {:?}", &tail[..=close]));
            }
            push_literal(&std::mem::take(&mut lit), &mut pieces);
            if inner.contains('|') {
                let alts: Vec<Box<str>> = inner.split('|').map(Box::from).collect();
                pieces.push(Piece::Alt(alts.into_boxed_slice()));
            } else {
                let slot =
                    Slot::from_name(inner).ok_or_else(|| format!("unknown slot {{{inner}}}"))?;
                pieces.push(Piece::Slot(slot));
            }
            rest = &tail[close + 1..];
        }
        lit.push_str(rest);
        push_literal(&lit, &mut pieces);
        Ok(Template {
            pieces: pieces.into_boxed_slice(),
        })
    }

    /// Slots this template uses.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Slot(s) => Some(*s),
            _ => None,
        })
    }

    pub fn uses(&self, slot: Slot) -> bool {
        self.slots().any(|s| s == slot)
    }

    /// Append the expansion to `out`; slot values come from `fill`, alternatives from `rng`.
    pub fn expand<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        fill: &mut dyn FnMut(Slot) -> String,
        out: &mut String,
    ) {
        for piece in self.pieces.iter() {
            match piece {
                Piece::Lit(s) => out.push_str(s),
                Piece::Slot(slot) => out.push_str(&fill(*slot)),
                Piece::Alt(alts) => out.push_str(&alts[rng.random_range(0..alts.len())]),
            }
        }
    }
}

/// All pools, parsed. Load once ([`Pools::get`]) and share between threads.
#[derive(Debug)]
pub struct Pools {
    /// Category pools: `cat[c][part]` with `c` the index in [`CATEGORIES`] and `part` the index
    /// in [`CATEGORY_PARTS`].
    cat: Vec<[Vec<Template>; 4]>,
    common: std::collections::HashMap<&'static str, Vec<Template>>,
    words: std::collections::HashMap<&'static str, Vec<&'static str>>,
}

/// Category pool parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Title = 0,
    Fact = 1,
    Demand = 2,
    Ledger = 3,
}

fn lines(text: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r').trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

static POOLS: std::sync::OnceLock<Result<Pools, PoolError>> = std::sync::OnceLock::new();

impl Pools {
    /// The embedded pools, parsed on first use.
    pub fn get() -> Result<&'static Pools, PoolError> {
        POOLS
            .get_or_init(Pools::load)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parse every embedded pool file.
    pub fn load() -> Result<Pools, PoolError> {
        let mut cat: Vec<[Vec<Template>; 4]> =
            (0..CATEGORIES.len()).map(|_| Default::default()).collect();
        let mut common = std::collections::HashMap::new();
        let mut words = std::collections::HashMap::new();
        for &(file, text) in FILES {
            let (dir, base) = file.split_once('/').unwrap_or(("", file));
            if dir == "slots" {
                words.insert(base, lines(text).map(|(_, l)| l).collect::<Vec<_>>());
                continue;
            }
            let mut parsed = Vec::new();
            for (n, l) in lines(text) {
                let t = Template::parse(l).map_err(|message| PoolError {
                    file: file.to_string(),
                    line: n,
                    message,
                })?;
                parsed.push(t);
            }
            if parsed.is_empty() {
                return Err(PoolError {
                    file: file.to_string(),
                    line: 0,
                    message: "empty pool".into(),
                });
            }
            if dir == "common" {
                common.insert(base, parsed);
            } else {
                let c = CATEGORIES.iter().position(|c| *c == dir);
                let p = CATEGORY_PARTS.iter().position(|p| *p == base);
                match (c, p) {
                    (Some(c), Some(p)) => cat[c][p] = parsed,
                    _ => {
                        return Err(PoolError {
                            file: file.to_string(),
                            line: 0,
                            message: "not a category pool".into(),
                        })
                    }
                }
            }
        }
        for (c, parts) in cat.iter().enumerate() {
            for (p, pool) in parts.iter().enumerate() {
                if pool.is_empty() {
                    return Err(PoolError {
                        file: format!("{}/{}", CATEGORIES[c], CATEGORY_PARTS[p]),
                        line: 0,
                        message: "missing pool".into(),
                    });
                }
            }
        }
        Ok(Pools { cat, common, words })
    }

    /// A category pool.
    pub fn category(&self, cat: usize, part: Part) -> &[Template] {
        &self.cat[cat][part as usize]
    }

    /// A common pool (`common/<name>.txt`); empty if absent.
    pub fn common(&self, name: &str) -> &[Template] {
        self.common.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A word list (`slots/<name>.txt`); empty if absent.
    pub fn words(&self, name: &str) -> &[&'static str] {
        self.words.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Number of distinct sentence/clause templates over all category and common pools (the
/// word lists under `slots/` are not counted).
pub fn distinct_templates() -> usize {
    let mut set = std::collections::HashSet::new();
    for &(file, text) in FILES {
        if file.starts_with("slots/") {
            continue;
        }
        for (_, l) in lines(text) {
            set.insert(l);
        }
    }
    set.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_pools_parse_and_every_category_is_covered() {
        let pools = Pools::load().expect("pools parse");
        for (c, code) in CATEGORIES.iter().enumerate() {
            assert!(pools.category(c, Part::Fact).len() >= 20, "{code}");
            assert!(pools.category(c, Part::Demand).len() >= 5, "{code}");
        }
        for w in [
            "厂",
            "公司",
            "部门",
            "工地",
            "小区",
            "公路",
            "医院",
            "学校",
            "污染源",
            "病",
            "市场",
            "作物",
            "项目",
        ] {
            assert!(pools.words(w).len() >= 8, "slots/{w}");
        }
    }

    #[test]
    fn pools_are_rich() {
        let n = distinct_templates();
        assert!(n >= 1500, "only {n} distinct templates");
    }

    #[test]
    fn template_language() {
        let t = Template::parse("我叫{姓名}，{甲|乙}\\n第二行").unwrap();
        assert!(t.uses(Slot::Name));
        let mut out = String::new();
        // Seeded: the assertions below must hold on every run, not on most.
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(11);
        t.expand(&mut rng, &mut |_| "王五".to_string(), &mut out);
        assert!(out.starts_with("我叫王五，"));
        assert!(out.ends_with("\n第二行"));
        assert!(Template::parse("{没有这个槽}").is_err());
        // Synonyms: one template, several wordings.
        let t = Template::parse("至今没有人管这件事").unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..400 {
            let mut out = String::new();
            t.expand(&mut rng, &mut |_| String::new(), &mut out);
            seen.insert(out);
        }
        assert!(seen.len() >= 10, "{seen:?}");
        assert!(seen.contains("至今没有人管这件事") && seen.contains("到今天没人管此事"));
        assert!(Template::parse("{未闭合").is_err());
    }
}
