//! Fictional petitioners (信访人) for generated archives: names, resident ID numbers, phones.
//!
//! Why: linking repeat petitioners is only tested honestly if common names collide between
//! *different* people (张伟, 王秀英 …) while every person keeps one unique identity. So a person
//! is a number `p`; everything about them is a pure function of `(seed, p)`: the ID number is a
//! bijection of `p` (unique for every `p` below [`PERSON_CAPACITY`]), the phone another one, the
//! name a weighted draw that collides on purpose.
//!
//! Must never: produce a real person's data (all values are synthetic; ID region codes are real
//! county codes only so that validators accept them), or give two different persons the same
//! ID number or phone.

use crate::extract::id_check_char;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Region code of the fictional 清溪县 (GB/T 2260 code of a real 河南 county, as in the corpus).
pub const LOCAL_REGION: &str = "411528";

/// Other real 41xxxx county codes, for petitioners registered elsewhere.
const OTHER_REGIONS: [&str; 12] = [
    "410222", "411321", "411323", "411325", "411330", "411381", "410102", "410526", "411722",
    "411422", "411627", "411302",
];

/// First birth date: 1930-01-01, as days since 1970-01-01 (petitioners are 20–95 years old).
const BIRTH_FIRST: i64 = -14_610;
/// Birth dates span 1930-01-01 ..= 1999-12-31.
const BIRTH_DAYS: u64 = 25_567;
/// Persons with distinct ID numbers: one per (birth date, 3-digit sequence) pair.
pub const PERSON_CAPACITY: u64 = BIRTH_DAYS * 1000;

/// Surnames with rough frequency weights (王李张刘陈 lead, as in Henan).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 95),
    ("李", 90),
    ("张", 88),
    ("刘", 70),
    ("陈", 45),
    ("杨", 38),
    ("赵", 30),
    ("黄", 20),
    ("周", 20),
    ("吴", 18),
    ("徐", 15),
    ("孙", 16),
    ("胡", 12),
    ("朱", 12),
    ("高", 14),
    ("林", 6),
    ("何", 9),
    ("郭", 14),
    ("马", 14),
    ("罗", 6),
    ("梁", 8),
    ("宋", 10),
    ("郑", 10),
    ("谢", 6),
    ("韩", 9),
    ("唐", 6),
    ("冯", 8),
    ("于", 6),
    ("董", 8),
    ("程", 6),
    ("曹", 7),
    ("袁", 5),
    ("邓", 5),
    ("许", 7),
    ("沈", 3),
    ("曾", 3),
    ("彭", 4),
    ("吕", 5),
    ("苏", 5),
    ("卢", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("贾", 6),
    ("丁", 4),
    ("魏", 6),
    ("薛", 4),
    ("叶", 3),
    ("阎", 4),
    ("余", 3),
    ("潘", 3),
    ("杜", 5),
    ("戴", 2),
    ("夏", 3),
    ("钟", 2),
    ("汪", 2),
    ("田", 5),
    ("任", 5),
    ("姜", 4),
    ("范", 4),
    ("方", 3),
    ("石", 4),
    ("姚", 3),
    ("谭", 2),
    ("廖", 2),
    ("邹", 2),
    ("熊", 2),
    ("金", 3),
    ("陆", 2),
    ("郝", 4),
    ("孔", 3),
    ("白", 4),
    ("崔", 4),
    ("康", 3),
    ("毛", 3),
    ("邱", 2),
    ("秦", 3),
    ("江", 2),
    ("史", 4),
    ("顾", 2),
    ("侯", 4),
    ("邵", 3),
    ("孟", 4),
    ("龙", 1),
    ("段", 3),
    ("雷", 2),
    ("钱", 2),
    ("汤", 2),
    ("尹", 3),
    ("常", 4),
    ("武", 4),
    ("乔", 3),
    ("贺", 2),
    ("龚", 1),
    ("司马", 1),
    ("欧阳", 1),
    ("申", 2),
    ("牛", 3),
    ("岳", 2),
    ("耿", 2),
    ("葛", 2),
    ("付", 3),
    ("聂", 1),
    ("樊", 2),
];

/// Male given names; the first few are the national top names and carry most weight.
const MALE_GIVEN: &[(&str, u32)] = &[
    ("伟", 16),
    ("强", 14),
    ("磊", 12),
    ("军", 14),
    ("勇", 18),
    ("杰", 15),
    ("涛", 14),
    ("斌", 12),
    ("超", 12),
    ("明", 12),
    ("刚", 12),
    ("平", 11),
    ("建国", 20),
    ("建军", 16),
    ("国强", 12),
    ("志刚", 9),
    ("德胜", 5),
    ("海涛", 8),
    ("保国", 7),
    ("红旗", 5),
    ("卫民", 6),
    ("长林", 4),
    ("金山", 5),
    ("根生", 4),
    ("玉成", 4),
    ("富贵", 5),
    ("天明", 3),
    ("永福", 4),
    ("春生", 5),
    ("树林", 4),
    ("学文", 4),
    ("庆华", 3),
    ("振军", 3),
    ("新民", 5),
    ("大海", 4),
    ("铁柱", 4),
    ("满仓", 3),
    ("进才", 2),
    ("广义", 2),
    ("宏伟", 5),
    ("鹏", 8),
    ("俊杰", 4),
    ("新华", 5),
    ("忠信", 2),
    ("明亮", 3),
    ("来福", 2),
    ("拴柱", 2),
    ("书恒", 1),
    ("占魁", 2),
    ("永刚", 3),
    ("同喜", 2),
    ("秋生", 3),
    ("瑞林", 2),
    ("得水", 2),
    ("丰收", 3),
    ("合意", 1),
    ("东升", 3),
    ("洪亮", 3),
    ("文斌", 3),
    ("国栋", 3),
    ("晓光", 3),
    ("守业", 2),
    ("茂林", 2),
    ("少华", 2),
    ("家旺", 2),
    ("启明", 2),
    ("双喜", 3),
    ("连成", 2),
    ("建设", 4),
    ("建华", 5),
    ("国庆", 5),
    ("卫东", 4),
    ("向阳", 3),
    ("跃进", 3),
    ("援朝", 3),
    ("胜利", 4),
    ("文革", 2),
    ("长青", 2),
    ("海军", 4),
    ("红兵", 3),
    ("志强", 6),
    ("志军", 4),
    ("小龙", 3),
    ("浩", 6),
    ("宇", 6),
    ("博", 4),
    ("子豪", 2),
    ("俊峰", 3),
    ("振华", 3),
    ("光明", 3),
    ("国平", 3),
    ("玉山", 2),
    ("福来", 2),
];

/// Female given names.
const FEMALE_GIVEN: &[(&str, u32)] = &[
    ("秀英", 35),
    ("秀兰", 25),
    ("桂英", 20),
    ("玉兰", 15),
    ("桂兰", 14),
    ("秀珍", 12),
    ("凤英", 10),
    ("玉梅", 10),
    ("淑芬", 8),
    ("春花", 8),
    ("丽娟", 7),
    ("红梅", 8),
    ("翠萍", 5),
    ("小芳", 5),
    ("美玲", 4),
    ("爱华", 5),
    ("金花", 6),
    ("素珍", 5),
    ("巧云", 3),
    ("桂芝", 5),
    ("月娥", 3),
    ("彩霞", 5),
    ("慧敏", 3),
    ("雪琴", 2),
    ("海燕", 6),
    ("桂香", 4),
    ("改英", 3),
    ("玉霞", 4),
    ("新芝", 2),
    ("荣花", 2),
    ("俊英", 3),
    ("兰芳", 3),
    ("冬梅", 5),
    ("晓燕", 5),
    ("淑华", 4),
    ("爱莲", 3),
    ("芳", 20),
    ("娜", 15),
    ("敏", 14),
    ("静", 14),
    ("丽", 14),
    ("艳", 12),
    ("霞", 10),
    ("燕", 10),
    ("娟", 10),
    ("英", 8),
    ("萍", 8),
    ("红", 8),
    ("玲", 7),
    ("桂珍", 5),
    ("秀云", 5),
    ("凤兰", 4),
    ("玉珍", 5),
    ("淑英", 4),
    ("翠兰", 3),
    ("秀梅", 5),
    ("丽华", 4),
    ("文静", 3),
    ("婷婷", 4),
    ("雪梅", 3),
    ("春梅", 4),
    ("金凤", 3),
    ("玉芝", 2),
    ("香兰", 2),
    ("喜梅", 2),
];

/// Names so common that many different people in one county bear them.
const VERY_COMMON_MALE: &[&str] = &[
    "张伟",
    "王伟",
    "李伟",
    "刘伟",
    "李强",
    "王强",
    "张强",
    "王磊",
    "李军",
    "张军",
    "王建国",
    "李建国",
    "张建国",
    "刘建军",
    "王勇",
    "李国强",
];
const VERY_COMMON_FEMALE: &[&str] = &[
    "王秀英",
    "李秀英",
    "张秀英",
    "王秀兰",
    "李秀兰",
    "张秀兰",
    "王芳",
    "李芳",
    "张芳",
    "刘芳",
    "王桂英",
    "李桂英",
    "李娜",
    "王静",
    "张敏",
    "刘秀英",
];

/// Mobile prefixes in use (中国移动 / 联通 / 电信).
const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "180", "183", "186", "187", "189",
];

/// How a person's ID number is written in their records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdForm {
    /// 18 characters, check character correct.
    Valid,
    /// 15-digit legacy number (only for people born before 1985).
    Legacy,
    /// The valid number with one digit mistyped (fails the check).
    Typo,
}

/// A fictional person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Identity number of the generator (`P<p>` in truth).
    pub p: u64,
    pub name: String,
    pub male: bool,
    /// Birth date as (year, month, day).
    pub birth: (i32, u32, u32),
    /// The correct 18-character ID number.
    pub id18: String,
    /// The number as this person writes it.
    pub id_written: String,
    pub id_form: IdForm,
    /// Normalised phone: 11 digits, or a landline `0377-6123456`.
    pub phone: String,
    /// A second phone, for repeat petitioners who changed numbers.
    pub phone2: String,
    /// Ethnicity as written (民族).
    pub ethnicity: &'static str,
}

/// SplitMix64 finaliser: a fast, well-mixed hash of a 64-bit value.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic RNG for one purpose: `(seed, domain, index)`.
pub fn rng_for(seed: u64, domain: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(
        seed ^ mix(domain.wrapping_mul(0x1000_0000_01B3) ^ mix(index))
    ))
}

/// Weighted choice from `(item, weight)` pairs.
pub fn weighted<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= *w;
    }
    &items[items.len() - 1].0
}

/// A random person name of the given sex (used for petitioners and for people named in letters).
pub fn random_name<R: Rng + ?Sized>(rng: &mut R, male: bool) -> String {
    if rng.random_bool(0.015) {
        let list = if male {
            VERY_COMMON_MALE
        } else {
            VERY_COMMON_FEMALE
        };
        return list[rng.random_range(0..list.len())].to_string();
    }
    let surname = weighted(rng, SURNAMES);
    let given = weighted(rng, if male { MALE_GIVEN } else { FEMALE_GIVEN });
    format!("{surname}{given}")
}

/// Whether an 18-character ID number has a correct check character.
pub fn id_is_valid(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && id_check_char(&id.as_bytes()[..17]) == id[17..].chars().next()
}

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Affine bijection on `0..m` (`a` coprime to `m`).
fn permute(x: u64, a: u64, b: u64, m: u64) -> u64 {
    ((x as u128 * a as u128 + b as u128) % m as u128) as u64
}

/// The person with number `p` (must be below [`PERSON_CAPACITY`]).
pub fn person(seed: u64, p: u64) -> Person {
    let mut rng = rng_for(seed, 0x5045_5253, p);
    // ID: (birth day, sequence) is a bijection of p, so no two persons share a number.
    // 7_368_787 is prime and does not divide PERSON_CAPACITY.
    let offset = mix(seed) % PERSON_CAPACITY;
    let q = permute(p % PERSON_CAPACITY, 7_368_787, offset, PERSON_CAPACITY);
    let day = BIRTH_FIRST + (q / 1000) as i64;
    let sequence = q % 1000;
    let male = sequence % 2 == 1;
    let birth = civil_from_days(day);
    let region = if rng.random_bool(0.86) {
        LOCAL_REGION
    } else {
        OTHER_REGIONS[rng.random_range(0..OTHER_REGIONS.len())]
    };
    let first17 = format!(
        "{region}{:04}{:02}{:02}{sequence:03}",
        birth.0, birth.1, birth.2
    );
    let check = id_check_char(first17.as_bytes()).unwrap_or('0');
    let id18 = format!("{first17}{check}");
    let roll: f64 = rng.random();
    let (id_form, id_written) = if birth.0 < 1985 && roll < 0.025 {
        let legacy = format!(
            "{region}{:02}{:02}{:02}{sequence:03}",
            birth.0 % 100,
            birth.1,
            birth.2
        );
        (IdForm::Legacy, legacy)
    } else if roll > 0.985 {
        (IdForm::Typo, typo(&mut rng, &id18))
    } else {
        (IdForm::Valid, id18.clone())
    };
    let phone = phone_for(seed, p, 0);
    let phone2 = phone_for(seed, p, 1);
    let name = random_name(&mut rng, male);
    let ethnicity = if rng.random_bool(0.97) {
        "汉族"
    } else {
        "回族"
    };
    Person {
        p,
        name,
        male,
        birth,
        id18,
        id_written,
        id_form,
        phone,
        phone2,
        ethnicity,
    }
}

/// One mistyped digit in the first 17 characters: always fails the MOD 11-2 check.
fn typo<R: Rng + ?Sized>(rng: &mut R, id18: &str) -> String {
    let mut chars: Vec<char> = id18.chars().collect();
    let at = rng.random_range(6..17);
    let old = chars[at].to_digit(10).unwrap_or(0);
    let new = (old + rng.random_range(1..10)) % 10;
    chars[at] = char::from_digit(new, 10).unwrap_or('0');
    chars.into_iter().collect()
}

fn phone_for(seed: u64, p: u64, which: u64) -> String {
    // The digits are a bijection of (p, which): no two persons share a number. About 4 % of the
    // numbers are landlines of the (fictional) 南川市 area, 0377.
    let x = p * 2 + which;
    let digits = permute(
        x % 100_000_000,
        48_271_871,
        mix(seed ^ 0x50484f4e45) % 100_000_000,
        100_000_000,
    );
    if digits < 4_000_000 {
        return format!("0377-{}", 6_000_000 + digits);
    }
    let prefix = MOBILE_PREFIXES[(mix(x ^ seed) % MOBILE_PREFIXES.len() as u64) as usize];
    format!("{prefix}{digits:08}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_char_matches_known_examples() {
        // Examples from the sample corpus truth.
        assert!(id_is_valid("411528195112126016"));
        assert!(id_is_valid("41152819830404780X"));
        assert!(!id_is_valid("411528195112126017"));
    }

    #[test]
    fn ids_and_phones_unique_and_valid() {
        let mut ids = std::collections::HashSet::new();
        let mut phones = std::collections::HashSet::new();
        for p in 0..20_000u64 {
            let person = person(7, p * 997);
            assert!(id_is_valid(&person.id18), "{}", person.id18);
            match person.id_form {
                IdForm::Valid => assert_eq!(person.id_written, person.id18),
                IdForm::Typo => assert!(!id_is_valid(&person.id_written)),
                IdForm::Legacy => assert_eq!(person.id_written.len(), 15),
            }
            assert_eq!(person.male, person.id18.as_bytes()[16] % 2 == 1);
            assert!(
                ids.insert(person.id18[6..].to_string()),
                "duplicate ID body"
            );
            assert!(
                phones.insert(person.phone.clone()),
                "duplicate phone {}",
                person.phone
            );
        }
    }

    #[test]
    fn common_names_collide() {
        let mut seen = std::collections::HashMap::new();
        for p in 0..5_000u64 {
            *seen.entry(person(1, p).name).or_insert(0) += 1;
        }
        let max = seen.values().max().copied().unwrap_or(0);
        assert!(
            max >= 10,
            "most common name only {max} times in 5,000 people"
        );
    }

    #[test]
    fn permutation_is_a_bijection() {
        fn gcd(a: u64, b: u64) -> u64 {
            if b == 0 {
                a
            } else {
                gcd(b, a % b)
            }
        }
        assert_eq!(gcd(7_368_787, PERSON_CAPACITY), 1);
        assert_eq!(gcd(48_271_871, 100_000_000), 1);
        assert_eq!(days_from_civil(1930, 1, 1), BIRTH_FIRST);
        assert_eq!(
            civil_from_days(BIRTH_FIRST + BIRTH_DAYS as i64 - 1),
            (1999, 12, 31)
        );
        for d in [-20_000i64, 0, 1, 19_000, 20_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }
}
