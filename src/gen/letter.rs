//! One generated petition letter (来信): its parts, how they are written out, and its truth.
//!
//! Why: the benchmark and the quality checks need letters shaped like the ones a county bureau
//! receives — salutation to an addressee at some level, self-introduction with name, ID number,
//! phone and address, a narrative from the category pools, demands, closing, signature, date —
//! with natural variety in length, layout, encoding and wording, and with a truth line that says
//! exactly what a perfect reader would extract.
//!
//! Must never: write a fact into the truth that the text does not show (an ID number in truth is
//! always in the text; a risk flag only comes with a real threat sentence), or depend on anything
//! but `(seed, letter index)` and the plan, so that chunks can be made in any order.

use super::people::{civil_from_days, mix, person, random_name, rng_for, IdForm, Person};
use super::plan::{date_first, date_span, draw_category, DupKind, Plan};
use super::pools::{Part, Pools, Slot, Template, CATEGORIES};
use super::{GenGazetteer, TruthLine, TruthPetitioner};
use crate::record::{IdStatus, Level};
use rand::seq::index::sample;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Everything a letter or ledger row is made from; shared read-only between threads.
pub struct World<'a> {
    pub seed: u64,
    pub pools: &'static Pools,
    pub gaz: &'a GenGazetteer,
    pub plan: &'a Plan,
    pub gbk_share: f64,
}

/// What a sentence is, so that a re-typed duplicate only touches the narrative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Intro,
    Fact,
    Other,
}

/// Layout and encoding of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub indent: &'static str,
    pub crlf: bool,
    pub bom: bool,
    pub gbk: bool,
    pub date_style: u8,
}

/// A letter before it is written out.
#[derive(Clone, Debug)]
pub struct Letter {
    pub cover: Option<String>,
    pub title: Option<String>,
    pub salute: String,
    /// Intro lines written as they are (header blocks), before the paragraphs.
    pub header: Vec<String>,
    pub paras: Vec<Vec<(Kind, String)>>,
    pub closing: String,
    pub attachment: Option<String>,
    pub sign: Vec<String>,
    /// Date of the letter, days since 1970-01-01; `None` when the letter is undated.
    pub day: Option<i64>,
    pub after: Vec<String>,
    pub style: Style,
    pub truth: TruthLine,
}

const INDENTS: [&str; 4] = ["  ", "    ", "　　", ""];
const CN_DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Chinese numeral for 1..=99 (一, 十, 十二, 二十, 三十一).
pub fn cn_number(n: u32) -> String {
    let n = n.clamp(1, 99);
    let (t, u) = (n / 10, n % 10);
    let mut s = String::new();
    if t > 1 {
        s.push_str(CN_DIGITS[t as usize]);
    }
    if t >= 1 {
        s.push('十');
    }
    if u > 0 {
        s.push_str(CN_DIGITS[u as usize]);
    }
    s
}

/// A date as a petitioner writes it.
pub fn write_date(day: i64, style: u8) -> String {
    let (y, m, d) = civil_from_days(day);
    match style {
        0..=3 => format!("{y}年{m}月{d}日"),
        4 | 5 => {
            let year: String = y
                .to_string()
                .chars()
                .map(|c| CN_DIGITS[c.to_digit(10).unwrap_or(0) as usize])
                .collect();
            format!("{year}年{}月{}日", cn_number(m), cn_number(d))
        }
        6 => format!("{y}.{m}.{d}"),
        7 => format!("{y}/{m}/{d}"),
        8 => format!("{y}-{m:02}-{d:02}"),
        _ => format!("{y}年{m:02}月{d:02}日"),
    }
}

/// ISO date for truth.
pub fn iso_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A phone number as written: plain, or grouped with spaces or hyphens.
fn write_phone<R: Rng + ?Sized>(rng: &mut R, phone: &str) -> String {
    if phone.len() != 11 || phone.contains('-') {
        return phone.to_string();
    }
    match rng.random_range(0..10) {
        0 | 1 => format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..]),
        2 => format!("{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]),
        _ => phone.to_string(),
    }
}

fn level_index(l: Level) -> usize {
    match l {
        Level::County => 0,
        Level::City => 1,
        Level::Province => 2,
        Level::National => 3,
    }
}

const LEVELS: [Level; 4] = [Level::County, Level::City, Level::Province, Level::National];
const ADDRESSEE_POOLS: [&str; 4] = [
    "addressee_county",
    "addressee_city",
    "addressee_province",
    "addressee_national",
];

/// Slot values of one letter: context values set by the composer, the rest drawn on first use
/// from an RNG keyed by the matter and the slot (so a repeat petitioner's letters agree).
pub struct Fill<'w> {
    world: &'w World<'w>,
    values: Vec<Option<String>>,
    matter_seed: u64,
    base_year: i32,
    birth_year: i32,
}

impl<'w> Fill<'w> {
    pub fn new(
        world: &'w World<'w>,
        matter_seed: u64,
        base_year: i32,
        birth_year: i32,
    ) -> Fill<'w> {
        Fill {
            world,
            values: vec![None; Slot::ALL.len()],
            matter_seed,
            base_year,
            birth_year,
        }
    }

    pub fn set(&mut self, slot: Slot, value: impl Into<String>) {
        self.values[slot.index()] = Some(value.into());
    }

    pub fn get(&mut self, slot: Slot) -> String {
        if let Some(v) = &self.values[slot.index()] {
            return v.clone();
        }
        let mut rng = rng_for(self.matter_seed, 0x534c_4f54, slot.index() as u64);
        let v = self.draw(slot, &mut rng);
        self.values[slot.index()] = Some(v.clone());
        v
    }

    fn word(&self, list: &str, rng: &mut ChaCha8Rng) -> String {
        let words = self.world.pools.words(list);
        if words.is_empty() {
            return list.to_string();
        }
        words[rng.random_range(0..words.len())].to_string()
    }

    fn draw(&self, slot: Slot, rng: &mut ChaCha8Rng) -> String {
        let g = self.world.gaz;
        let by = self.base_year;
        match slot {
            Slot::OtherPerson => {
                let male = rng.random_bool(0.7);
                let name = random_name(rng, male);
                if rng.random_bool(0.3) {
                    format!("{}某", name.chars().next().unwrap_or('王'))
                } else {
                    name
                }
            }
            Slot::Official | Slot::Ghostwriter => {
                let male = rng.random_bool(0.85);
                random_name(rng, male)
            }
            Slot::Factory => self.word("厂", rng),
            Slot::Company => self.word("公司", rng),
            Slot::Department => self.word("部门", rng),
            Slot::Site => self.word("工地", rng),
            Slot::Estate => self.word("小区", rng),
            Slot::Road => self.word("公路", rng),
            Slot::Hospital => self.word("医院", rng),
            Slot::School => self.word("学校", rng),
            Slot::Polluter => self.word("污染源", rng),
            Slot::Illness => self.word("病", rng),
            Slot::Market => self.word("市场", rng),
            Slot::Crop => self.word("作物", rng),
            Slot::Project => self.word("项目", rng),
            Slot::Money => {
                let yuan = (10f64.powf(rng.random_range(3.2..5.6)) / 100.0).round() as u64 * 100;
                if yuan >= 10_000 && rng.random_bool(0.3) {
                    format!("{}万元", trim_decimal(yuan as f64 / 10_000.0, 2))
                } else {
                    format!("{yuan}元")
                }
            }
            Slot::BigMoney => {
                let wan = (10f64.powf(rng.random_range(1.3..3.9))).round() as u64;
                if wan >= 10_000 {
                    format!("{}亿元", trim_decimal(wan as f64 / 10_000.0, 1))
                } else {
                    format!("{wan}万元")
                }
            }
            Slot::SmallMoney => format!("{}元", rng.random_range(2..99u32) * 100),
            Slot::UnitPrice => (rng.random_range(8..80u32) * 100).to_string(),
            Slot::MuPrice => (rng.random_range(12..90u32) * 1000).to_string(),
            Slot::Rent => (rng.random_range(6..25u32) * 50).to_string(),
            Slot::Mu => {
                if rng.random_bool(0.4) {
                    rng.random_range(1..16u32).to_string()
                } else {
                    format!("{:.1}", rng.random_range(3..150u32) as f64 / 10.0)
                }
            }
            Slot::Fen | Slot::Disability => CN_DIGITS[rng.random_range(1..10)].to_string(),
            Slot::SquareMetres => rng.random_range(40..321u32).to_string(),
            Slot::SmallArea => rng.random_range(2..31u32).to_string(),
            Slot::People => rng.random_range(12..401u32).to_string(),
            Slot::Year => (by - rng.random_range(1..12)).max(1995).to_string(),
            Slot::EarlyYear => {
                let lo = self.birth_year + 18;
                let hi = (self.birth_year + 32).min(by - 5).max(lo + 1);
                rng.random_range(lo..hi).to_string()
            }
            Slot::Years => rng.random_range(2..16u32).to_string(),
            Slot::Months => rng.random_range(2..19u32).to_string(),
            Slot::Month => rng.random_range(1..13u32).to_string(),
            Slot::Days => rng.random_range(7..91u32).to_string(),
            Slot::FamilySize => rng.random_range(2..10u32).to_string(),
            Slot::Pieces => rng.random_range(2..13u32).to_string(),
            Slot::Ordinal => cn_number(rng.random_range(2..6)),
            Slot::Households => rng.random_range(3..91u32).to_string(),
            Slot::Headcount => rng.random_range(5..301u32).to_string(),
            Slot::Province => g.province.clone(),
            Slot::City => g.city.clone(),
            Slot::County => g.county.clone(),
            Slot::Township => g.townships[0].name.clone(),
            Slot::Village | Slot::NeighbourVillage => g.townships[0].villages[0].clone(),
            Slot::Forwarder => format!("{}信访局", g.city),
            Slot::CoverDate => format!(
                "{}年{}月{}日",
                by,
                rng.random_range(1..13),
                rng.random_range(1..29)
            ),
            Slot::CoverNo => format!("〔{by}〕{}号", rng.random_range(1..999)),
            Slot::Topic => "有关".into(),
            Slot::Ethnicity => "汉族".into(),
            Slot::Name
            | Slot::Surname
            | Slot::Sex
            | Slot::Age
            | Slot::AgeAlias
            | Slot::BirthYear
            | Slot::BirthMonth
            | Slot::Address
            | Slot::IdNumber
            | Slot::Phone
            | Slot::Addressee => String::new(),
        }
    }

    /// Expand one template with this letter's values.
    pub fn expand(&mut self, t: &Template, rng: &mut ChaCha8Rng) -> String {
        let mut out = String::with_capacity(96);
        t.expand(rng, &mut |slot| self.get(slot), &mut out);
        out
    }
}

fn trim_decimal(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn pick<'a, R: Rng + ?Sized>(rng: &mut R, pool: &'a [Template]) -> &'a Template {
    &pool[rng.random_range(0..pool.len())]
}

/// Distinct templates from a pool, in random order.
fn pick_many<'a, R: Rng + ?Sized>(
    rng: &mut R,
    pool: &'a [Template],
    n: usize,
) -> Vec<&'a Template> {
    let n = n.min(pool.len());
    sample(rng, pool.len(), n)
        .into_iter()
        .map(|i| &pool[i])
        .collect()
}

/// How the petitioner's ID number and phone appear in one letter.
struct Written {
    id: Option<(String, IdStatus)>,
    phone: Option<String>,
}

fn id_status(form: IdForm) -> IdStatus {
    match form {
        IdForm::Valid => IdStatus::Valid,
        IdForm::Legacy => IdStatus::Legacy,
        IdForm::Typo => IdStatus::Invalid,
    }
}

/// Compose letter `i` (re-making its original first when it is a duplicate).
pub fn compose(world: &World, i: usize) -> Letter {
    match world.plan.dup_of.get(&i) {
        Some(&(j, kind)) => {
            let original = compose_original(world, j);
            duplicate(world, i, j, kind, original)
        }
        None => {
            let mut letter = compose_original(world, i);
            if world.plan.originals.contains(&i) {
                letter.truth.duplicate_group = Some(format!("D{i:06}"));
            }
            letter
        }
    }
}

fn compose_original(world: &World, i: usize) -> Letter {
    let pools = world.pools;
    let gaz = world.gaz;
    let plan = world.plan;
    let mut rng = rng_for(world.seed, 0x4c45_5454, i as u64);

    // Who, about what, where, when, to whom.
    let repeat = plan
        .repeat_of
        .get(&i)
        .map(|&(k, o)| (&plan.persons[k as usize], o));
    let (category, secondary, township, village, day, level, matter_seed);
    match repeat {
        Some((rp, o)) => {
            let (matter, nth) = rp.matter(o);
            category = matter.category;
            secondary = matter.secondary;
            township = rp.township;
            village = rp.village;
            day = rp.days[o as usize];
            // Escalation (越级): county first, then up one level every letter or two on the matter.
            let up = match nth {
                0 => 0,
                1 => rng.random_range(0..2),
                2 => rng.random_range(1..3),
                _ => rng.random_range(2..4),
            };
            level = LEVELS[up.min(3)];
            matter_seed = matter.seed;
        }
        None => {
            let (c, s) = draw_category(&mut rng);
            category = c;
            secondary = s;
            township = rng.random_range(0..gaz.townships.len());
            village = rng.random_range(0..gaz.townships[township].villages.len());
            day = date_first() + rng.random_range(0..date_span());
            level = match rng.random_range(0..100) {
                0..78 => Level::County,
                78..90 => Level::City,
                90..97 => Level::Province,
                _ => Level::National,
            };
            matter_seed = mix(world.seed ^ mix(i as u64 ^ 0x4d41_5454));
        }
    }
    let (year, _, _) = civil_from_days(day);
    let joint = repeat.is_none() && rng.random_bool(0.09);
    let n_signers = if joint {
        rng.random_range(3..=SIGNER_MAX)
    } else {
        1
    };
    let signers: Vec<Person> = (0..n_signers)
        .map(|s| match repeat {
            Some((rp, _)) => person(world.seed, rp.p),
            None => person(world.seed, plan.letter_person(i, s)),
        })
        .collect();
    let main = &signers[0];
    let ts = &gaz.townships[township];
    let vname = &ts.villages[village];

    // Address as written; truth keeps what is written (canonical township name).
    let tname = if !ts.aliases.is_empty() && rng.random_bool(0.1) {
        ts.aliases[rng.random_range(0..ts.aliases.len())].clone()
    } else {
        ts.name.clone()
    };
    let (address, village_written) = match rng.random_range(0..20) {
        0..=5 => (
            format!(
                "{}{}{}{}{}",
                gaz.province, gaz.city, gaz.county, tname, vname
            ),
            true,
        ),
        6..=11 => (format!("{}{}{}", gaz.county, tname, vname), true),
        12..=15 => (format!("{}{}", tname, vname), true),
        16..=17 => (
            format!(
                "{}{}{}{}组",
                gaz.county,
                tname,
                vname,
                rng.random_range(1..13)
            ),
            true,
        ),
        _ => (format!("{}{}", gaz.county, tname), false),
    };

    let mut fill = Fill::new(world, matter_seed, year, main.birth.0);
    let age = (year - main.birth.0).max(18);
    fill.set(Slot::Name, main.name.clone());
    fill.set(
        Slot::Surname,
        main.name
            .chars()
            .next()
            .map(String::from)
            .unwrap_or_default(),
    );
    fill.set(Slot::Sex, if main.male { "男" } else { "女" });
    fill.set(Slot::Age, age.to_string());
    fill.set(Slot::AgeAlias, age.to_string());
    fill.set(Slot::BirthYear, main.birth.0.to_string());
    fill.set(Slot::BirthMonth, main.birth.1.to_string());
    fill.set(Slot::Ethnicity, main.ethnicity);
    fill.set(Slot::Address, address.clone());
    fill.set(Slot::Province, gaz.province.clone());
    fill.set(Slot::City, gaz.city.clone());
    fill.set(Slot::County, gaz.county.clone());
    fill.set(Slot::Township, tname.clone());
    fill.set(Slot::Village, vname.clone());
    let neighbour = if ts.villages.len() > 1 {
        let mut v = rng.random_range(0..ts.villages.len() - 1);
        if v >= village {
            v += 1;
        }
        ts.villages[v].clone()
    } else {
        "邻村".to_string()
    };
    fill.set(Slot::NeighbourVillage, neighbour);
    if let Some((_, o)) = repeat.filter(|(_, o)| *o > 0) {
        fill.set(Slot::Ordinal, cn_number(o as u32 + 1));
    }

    // What of the main petitioner's identity is written.
    let written_main = {
        let (missing_id, phone) = match repeat {
            Some((rp, o)) => {
                let changed = rp.phone_change_at.is_some_and(|at| o >= at);
                (
                    o > 0 && rng.random_bool(0.2),
                    if changed { &main.phone2 } else { &main.phone },
                )
            }
            None => (false, &main.phone),
        };
        let id = if missing_id || rng.random_bool(0.12) {
            None
        } else {
            Some((main.id_written.clone(), id_status(main.id_form)))
        };
        let phone = if rng.random_bool(0.88) {
            Some(phone.clone())
        } else {
            None
        };
        Written { id, phone }
    };

    let style = Style {
        indent: INDENTS[rng.random_range(0..INDENTS.len())],
        crlf: rng.random_bool(0.2),
        bom: rng.random_bool(0.1),
        gbk: rng.random_bool(world.gbk_share.clamp(0.0, 1.0)),
        date_style: rng.random_range(0..10),
    };

    // Forwarded letters (转送单 on top) come down from the level they were addressed to.
    let forwarded = repeat.is_none() && level != Level::County && rng.random_bool(0.25);
    let salute_addressee = {
        let pool = pools.common(ADDRESSEE_POOLS[level_index(level)]);
        fill.expand(pick(&mut rng, pool), &mut rng)
    };
    fill.set(Slot::Addressee, salute_addressee);
    let salute = fill.expand(pick(&mut rng, pools.common("salute")), &mut rng);

    let title = if rng.random_bool(0.55) {
        Some(fill.expand(
            pick(&mut rng, pools.category(category, Part::Title)),
            &mut rng,
        ))
    } else {
        None
    };

    // Introduction.
    let mut header = Vec::new();
    let mut paras: Vec<Vec<(Kind, String)>> = Vec::new();
    let mut intro_para: Vec<(Kind, String)> = Vec::new();
    let mut headcount = n_signers as u32;
    let mut id_in_sign = false;
    let mut phone_in_sign = false;
    if joint {
        if rng.random_bool(0.5) {
            let stated = rng.random_range(n_signers.max(5)..=320) as u32;
            headcount = stated;
            fill.set(Slot::Headcount, stated.to_string());
            fill.set(
                Slot::Households,
                (stated / rng.random_range(3..5)).max(2).to_string(),
            );
            intro_para.push((
                Kind::Intro,
                fill.expand(
                    pick(&mut rng, pools.common("intro_joint_counted")),
                    &mut rng,
                ),
            ));
        } else {
            intro_para.push((
                Kind::Intro,
                fill.expand(pick(&mut rng, pools.common("intro_joint")), &mut rng),
            ));
        }
    } else if rng.random_bool(0.3) {
        let block = fill.expand(pick(&mut rng, pools.common("intro_block")), &mut rng);
        header.extend(block.split('\n').map(str::to_string));
        if let Some((id, _)) = &written_main.id {
            let mut f = Fill::new(world, matter_seed, year, main.birth.0);
            f.set(Slot::IdNumber, id.clone());
            header.push(f.expand(pick(&mut rng, pools.common("id_phrase")), &mut rng));
        }
        if let Some(phone) = &written_main.phone {
            let mut f = Fill::new(world, matter_seed, year, main.birth.0);
            f.set(Slot::Phone, write_phone(&mut rng, phone));
            header.push(f.expand(pick(&mut rng, pools.common("phone_phrase")), &mut rng));
        }
    } else {
        let mut intro = fill.expand(pick(&mut rng, pools.common("intro_single")), &mut rng);
        let mut extras = Vec::new();
        if let Some((id, _)) = &written_main.id {
            if rng.random_bool(0.5) {
                fill.set(Slot::IdNumber, id.clone());
                extras.push(fill.expand(pick(&mut rng, pools.common("id_phrase")), &mut rng));
            } else {
                id_in_sign = true;
            }
        }
        if let Some(phone) = &written_main.phone {
            if rng.random_bool(0.5) {
                fill.set(Slot::Phone, write_phone(&mut rng, phone));
                extras.push(fill.expand(pick(&mut rng, pools.common("phone_phrase")), &mut rng));
            } else {
                phone_in_sign = true;
            }
        }
        if !extras.is_empty() {
            let sep = if rng.random_bool(0.5) { "，" } else { "  " };
            if intro.ends_with('。') {
                intro.pop();
            }
            intro = format!("{intro}{sep}{}。", extras.join(sep));
            intro = intro.replace("。。", "。");
        }
        intro_para.push((Kind::Intro, intro));
    }
    if let Some((_, o)) = repeat {
        if o > 0 && rng.random_bool(0.85) {
            intro_para.push((
                Kind::Other,
                fill.expand(pick(&mut rng, pools.common("repeat")), &mut rng),
            ));
        }
    }
    if level != Level::County && rng.random_bool(0.6) {
        intro_para.push((
            Kind::Other,
            fill.expand(pick(&mut rng, pools.common("escalation")), &mut rng),
        ));
    }
    if !intro_para.is_empty() {
        paras.push(intro_para);
    }

    // Narrative: facts of the category, a few of the secondary one, background, history,
    // hardship. Length varies like real letters (short notes to long, repetitive complaints).
    let size: f64 = {
        let u: f64 = rng.random_range(0.0..1.0);
        let n: f64 = (-2.0 * (u.max(1e-9)).ln()).sqrt()
            * (rng.random_range(0.0..std::f64::consts::TAU)).cos();
        (11.5 * (0.55 * n).exp()).clamp(3.0, 40.0)
    };
    let n_narr = size.round() as usize;
    let primary_pool = pools.category(category, Part::Fact);
    let n_primary = ((n_narr as f64 * 0.6).round() as usize).clamp(2, primary_pool.len() * 3 / 4);
    let mut facts: Vec<(Kind, String)> = pick_many(&mut rng, primary_pool, n_primary)
        .into_iter()
        .map(|t| (Kind::Fact, fill.expand(t, &mut rng)))
        .collect();
    if let Some(sec) = secondary {
        let n = rng.random_range(1..=2);
        for t in pick_many(&mut rng, pools.category(sec, Part::Fact), n) {
            let at = rng.random_range(0..=facts.len());
            facts.insert(at, (Kind::Fact, fill.expand(t, &mut rng)));
        }
    }
    let rest = n_narr.saturating_sub(facts.len());
    let n_background = rng.random_range(0..=rest.min(3));
    let mut lead = Vec::new();
    for t in pick_many(&mut rng, pools.common("background"), n_background) {
        lead.push((Kind::Fact, fill.expand(t, &mut rng)));
    }
    facts.splice(0..0, lead);
    for (k, s) in facts.iter_mut().skip(1) {
        if *k == Kind::Fact && rng.random_bool(0.12) {
            let c = fill.expand(pick(&mut rng, pools.common("connector")), &mut rng);
            *s = format!("{c}{s}");
        }
    }
    // Split the narrative into 1–4 paragraphs.
    let n_paras = rng.random_range(1..=((facts.len() / 3).clamp(1, 4)));
    let per = facts.len().div_ceil(n_paras).max(1);
    for chunk in facts.chunks(per) {
        paras.push(chunk.to_vec());
    }
    let rest = rest.saturating_sub(n_background);
    let mut after: Vec<(Kind, String)> = Vec::new();
    let n_history = rng.random_range(0..=rest.min(3));
    for t in pick_many(&mut rng, pools.common("history"), n_history) {
        after.push((Kind::Fact, fill.expand(t, &mut rng)));
    }
    let n_hardship = rng.random_range(0..=rest.saturating_sub(n_history).min(4));
    for t in pick_many(&mut rng, pools.common("hardship"), n_hardship) {
        after.push((Kind::Fact, fill.expand(t, &mut rng)));
    }
    let risk_roll = rng.random_range(0..100);
    let risk = risk_roll < 6;
    if risk {
        after.push((
            Kind::Other,
            fill.expand(pick(&mut rng, pools.common("risk_threat")), &mut rng),
        ));
    } else if risk_roll < 13 {
        after.push((
            Kind::Other,
            fill.expand(pick(&mut rng, pools.common("risk_negated")), &mut rng),
        ));
    }
    if !after.is_empty() {
        paras.push(after);
    }

    // Demands.
    let mut demands = Vec::new();
    let n_dem = rng.random_range(1..=3);
    for t in pick_many(&mut rng, pools.category(category, Part::Demand), n_dem) {
        demands.push((Kind::Other, fill.expand(t, &mut rng)));
    }
    let n_generic = rng.random_range(0..=2);
    for t in pick_many(&mut rng, pools.common("demand_generic"), n_generic) {
        demands.push((Kind::Other, fill.expand(t, &mut rng)));
    }
    paras.push(demands);

    let closing = fill.expand(pick(&mut rng, pools.common("closing")), &mut rng);
    let attachment = if rng.random_bool(0.1) {
        Some(fill.expand(pick(&mut rng, pools.common("attachment")), &mut rng))
    } else {
        None
    };

    // Signature block.
    let mut sign = Vec::new();
    let mut petitioners = Vec::new();
    if joint {
        sign.push(fill.expand(pick(&mut rng, pools.common("joint_sign_head")), &mut rng));
        let layout = rng.random_range(0..3);
        for (s, signer) in signers.iter().enumerate() {
            let id = if rng.random_bool(0.6) {
                Some((signer.id_written.clone(), id_status(signer.id_form)))
            } else {
                None
            };
            let phone = if rng.random_bool(if s == 0 { 0.8 } else { 0.25 }) {
                Some(signer.phone.clone())
            } else {
                None
            };
            let line = match layout {
                0 => {
                    let mut l = format!("{}.  {}", s + 1, signer.name);
                    if let Some((id, _)) = &id {
                        l.push_str(&format!("  {id}"));
                    }
                    if let Some(p) = &phone {
                        l.push_str(&format!("  {}", write_phone(&mut rng, p)));
                    }
                    l
                }
                1 => {
                    let mut l = signer.name.clone();
                    if let Some((id, _)) = &id {
                        l.push_str(&format!("（{id}）"));
                    }
                    if let Some(p) = &phone {
                        l.push_str(&format!(" 电话{}", write_phone(&mut rng, p)));
                    }
                    l
                }
                _ => {
                    let mut l = signer.name.clone();
                    if let Some((id, _)) = &id {
                        l.push_str(&format!("  身份证{id}"));
                    }
                    if let Some(p) = &phone {
                        l.push_str(&format!("  手机{}", write_phone(&mut rng, p)));
                    }
                    l
                }
            };
            sign.push(line);
            petitioners.push(truth_petitioner(&signer.name, id, phone));
        }
    } else {
        let label = fill.expand(pick(&mut rng, pools.common("sign_label")), &mut rng);
        sign.push(format!("{label}{}", main.name));
        if id_in_sign {
            if let Some((id, _)) = &written_main.id {
                let mut f = Fill::new(world, matter_seed, year, main.birth.0);
                f.set(Slot::IdNumber, id.clone());
                sign.push(f.expand(pick(&mut rng, pools.common("id_phrase")), &mut rng));
            }
        }
        if phone_in_sign {
            if let Some(phone) = &written_main.phone {
                let mut f = Fill::new(world, matter_seed, year, main.birth.0);
                f.set(Slot::Phone, write_phone(&mut rng, phone));
                sign.push(f.expand(pick(&mut rng, pools.common("phone_phrase")), &mut rng));
            }
        }
        petitioners.push(truth_petitioner(
            &main.name,
            written_main.id.clone(),
            written_main.phone.clone(),
        ));
    }
    let dated = rng.random_bool(0.97);
    let mut after_date = Vec::new();
    if rng.random_bool(0.07) {
        after_date.push(fill.expand(pick(&mut rng, pools.common("ghostwriter")), &mut rng));
    }

    // Cover note, for forwarded letters: from the addressee level's bureau, some weeks later.
    let cover = if forwarded {
        let mut f = Fill::new(world, matter_seed ^ 0xC0, year, main.birth.0);
        let src = match level {
            Level::City => format!("{}信访局", gaz.city),
            Level::Province => format!("{}信访局", gaz.province),
            _ => "国家信访局".to_string(),
        };
        f.set(Slot::Forwarder, src);
        f.set(Slot::Name, main.name.clone());
        f.set(Slot::County, gaz.county.clone());
        f.set(
            Slot::Topic,
            pools_topic(world, category, &mut rng, &mut fill),
        );
        f.set(
            Slot::CoverDate,
            write_date(day + rng.random_range(10..60), 0),
        );
        f.set(
            Slot::CoverNo,
            format!("〔{year}〕{}号", rng.random_range(1..2000)),
        );
        Some(f.expand(pick(&mut rng, pools.common("cover")), &mut rng))
    } else {
        None
    };

    let person_ids = match repeat {
        Some((rp, _)) => vec![format!("P{}", rp.p)],
        None => signers.iter().map(|s| format!("P{}", s.p)).collect(),
    };
    let truth = TruthLine {
        path: String::new(),
        format: "text".into(),
        sheet: None,
        row: None,
        petitioners,
        date: if dated { Some(iso_date(day)) } else { None },
        headcount: Some(headcount),
        county: Some(gaz.county.clone()),
        township: Some(ts.name.clone()),
        village: if village_written {
            Some(vname.clone())
        } else {
            None
        },
        addressee_level: Some(level),
        title: title.clone(),
        category: Some(CATEGORIES[category].to_string()),
        secondary: secondary
            .map(|s| vec![CATEGORIES[s].to_string()])
            .unwrap_or_default(),
        collective: Some(headcount >= 5),
        skip_level: Some(level != Level::County),
        risk: Some(risk),
        law_related: Some(
            CATEGORIES[category] == "legal" || secondary.is_some_and(|s| CATEGORIES[s] == "legal"),
        ),
        forwarded: Some(forwarded),
        person_ids,
        duplicate_group: None,
    };
    Letter {
        cover,
        title,
        salute,
        header,
        paras,
        closing,
        attachment,
        sign,
        day: if dated { Some(day) } else { None },
        after: after_date,
        style,
        truth,
    }
}

/// Most signers a joint letter lists (the plan reserves this many person numbers a letter).
const SIGNER_MAX: usize = super::plan::SIGNER_SLOTS as usize;

/// A short topic for a cover note: a ledger summary of the category.
fn pools_topic(world: &World, category: usize, rng: &mut ChaCha8Rng, fill: &mut Fill) -> String {
    let s = fill.expand(pick(rng, world.pools.category(category, Part::Ledger)), rng);
    s.trim_start_matches("反映")
        .trim_start_matches("要求")
        .to_string()
}

fn truth_petitioner(
    name: &str,
    id: Option<(String, IdStatus)>,
    phone: Option<String>,
) -> TruthPetitioner {
    TruthPetitioner {
        name: Some(name.to_string()),
        id_status: id.as_ref().map(|(_, s)| *s),
        id_number: id.map(|(n, _)| n),
        phone,
    }
}

/// Characters a re-typing clerk or petitioner swaps by mistake or habit.
const RETYPE_SWAPS: &[(char, char)] = &[
    ('的', '地'),
    ('地', '的'),
    ('在', '再'),
    ('再', '在'),
    ('已', '以'),
    ('以', '已'),
    ('他', '她'),
    ('做', '作'),
    ('那', '哪'),
    ('像', '象'),
    ('元', '圆'),
    ('付', '负'),
    ('帐', '账'),
    ('账', '帐'),
    ('，', '、'),
    ('。', '！'),
];

/// (paragraph, sentence) of every narrative sentence of a letter.
fn fact_positions(paras: &[Vec<(Kind, String)>]) -> Vec<(usize, usize)> {
    paras
        .iter()
        .enumerate()
        .flat_map(|(p, para)| {
            para.iter()
                .enumerate()
                .filter(|(_, (k, _))| *k == Kind::Fact)
                .map(move |(s, _)| (p, s))
        })
        .collect()
}

fn duplicate(world: &World, i: usize, j: usize, kind: DupKind, mut letter: Letter) -> Letter {
    let mut rng = rng_for(world.seed, 0x4455_5050, i as u64);
    letter.truth.duplicate_group = Some(format!("D{j:06}"));
    if kind == DupKind::Exact {
        return letter;
    }
    // A later date, maybe a new layout and encoding (re-typed on another computer).
    let shift = rng.random_range(3..90);
    letter.day = Some(letter.day.unwrap_or(date_first()) + shift);
    letter.truth.date = letter.day.map(iso_date);
    letter.style.date_style = rng.random_range(0..10);
    if rng.random_bool(0.5) {
        letter.style.indent = INDENTS[rng.random_range(0..INDENTS.len())];
        letter.style.gbk = rng.random_bool(world.gbk_share.clamp(0.0, 1.0));
        letter.style.crlf = rng.random_bool(0.2);
        letter.style.bom = false;
    }
    match kind {
        DupKind::Retyped => {
            // Drop one narrative sentence and change a few characters in others.
            let facts = fact_positions(&letter.paras);
            if facts.len() > 2 {
                let (p, s) = facts[rng.random_range(0..facts.len())];
                letter.paras[p].remove(s);
                letter.paras.retain(|para| !para.is_empty());
            }
            for _ in 0..rng.random_range(1..=4) {
                let cands = fact_positions(&letter.paras);
                if cands.is_empty() {
                    break;
                }
                let (p, s) = cands[rng.random_range(0..cands.len())];
                let text = &mut letter.paras[p][s].1;
                let positions: Vec<(usize, char, char)> = text
                    .char_indices()
                    .filter_map(|(b, c)| {
                        RETYPE_SWAPS
                            .iter()
                            .find(|(from, _)| *from == c)
                            .map(|(_, to)| (b, c, *to))
                    })
                    .collect();
                if let Some(&(b, c, to)) =
                    positions.get(rng.random_range(0..positions.len().max(1)))
                {
                    text.replace_range(b..b + c.len_utf8(), to.encode_utf8(&mut [0; 4]));
                }
            }
        }
        DupKind::Resent => {
            // The same letter to the next level up.
            let current = letter.truth.addressee_level.unwrap_or(Level::County);
            let up = LEVELS[(level_index(current) + 1).min(3)];
            let pool = world.pools.common(ADDRESSEE_POOLS[level_index(up)]);
            let mut fill = Fill::new(world, rng.random(), 2024, 1960);
            fill.set(Slot::Province, world.gaz.province.clone());
            fill.set(Slot::City, world.gaz.city.clone());
            fill.set(Slot::County, world.gaz.county.clone());
            let a = fill.expand(pick(&mut rng, pool), &mut rng);
            fill.set(Slot::Addressee, a);
            letter.salute = fill.expand(pick(&mut rng, world.pools.common("salute")), &mut rng);
            letter.cover = None;
            letter.truth.forwarded = Some(false);
            letter.truth.addressee_level = Some(up);
            letter.truth.skip_level = Some(up != Level::County);
        }
        DupKind::Exact => {}
    }
    letter
}

impl Letter {
    /// The letter as text (LF or CRLF line ends per its style; no BOM, no encoding).
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(2048);
        let ind = self.style.indent;
        if let Some(c) = &self.cover {
            out.push_str(c);
            out.push_str("\n\n");
        }
        if let Some(t) = &self.title {
            out.push_str(t);
            out.push_str("\n\n");
        }
        out.push_str(&self.salute);
        out.push('\n');
        for h in &self.header {
            out.push_str(h);
            out.push('\n');
        }
        for para in &self.paras {
            out.push_str(ind);
            for (_, s) in para {
                out.push_str(s);
            }
            out.push('\n');
        }
        let mut closing = self.closing.split('\n');
        if let Some(first) = closing.next() {
            out.push_str(ind);
            out.push_str(first);
            out.push('\n');
        }
        for l in closing {
            out.push_str(l);
            out.push('\n');
        }
        if let Some(a) = &self.attachment {
            out.push_str(ind);
            out.push_str(a);
            out.push('\n');
        }
        out.push('\n');
        for l in &self.sign {
            out.push_str(l);
            out.push('\n');
        }
        if let Some(day) = self.day {
            out.push_str(&write_date(day, self.style.date_style));
            out.push('\n');
        }
        for l in &self.after {
            out.push_str(l);
            out.push('\n');
        }
        if self.style.crlf {
            out = out.replace('\n', "\r\n");
        }
        out
    }

    /// The bytes of the file: UTF-8 (maybe with BOM) or GBK.
    pub fn bytes(&self) -> Vec<u8> {
        let text = self.text();
        if self.style.gbk {
            let (bytes, _, _) = encoding_rs::GBK.encode(&text);
            bytes.into_owned()
        } else {
            let mut v = Vec::with_capacity(text.len() + 3);
            if self.style.bom {
                v.extend_from_slice(b"\xEF\xBB\xBF");
            }
            v.extend_from_slice(text.as_bytes());
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers_and_dates() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(12), "十二");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(31), "三十一");
        let d = super::super::people::days_from_civil(2021, 1, 25);
        assert_eq!(write_date(d, 4), "二〇二一年一月二十五日");
        assert_eq!(write_date(d, 8), "2021-01-25");
        assert_eq!(iso_date(d), "2021-01-25");
    }
}
