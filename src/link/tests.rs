//! Hand-built hard cases for the linker: each test states the situation a clerk meets.

use super::*;
use crate::record::{Category, IdStatus, Petitioner, Place};

/// A valid 18-digit ID number from region, birth date and sequence (check character computed).
pub(crate) fn make_id(region: &str, birth: &str, seq: u32) -> String {
    let body = format!("{region}{birth}{seq:03}");
    let check = crate::extract::id_check_char(body.as_bytes()).expect("17 digits");
    format!("{body}{check}")
}

/// Unrelated filler text: deterministic pseudo-random hanzi.
pub(crate) fn filler(seed: u64, len: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_u32(0x4e00 + (x % 0x51a5) as u32).unwrap_or('的')
        })
        .collect()
}

pub(crate) struct P<'a> {
    pub name: &'a str,
    pub id: Option<String>,
    pub phone: Option<&'a str>,
}

pub(crate) fn p(name: &str) -> P<'_> {
    P {
        name,
        id: None,
        phone: None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn rec(
    id: &str,
    date: &str,
    people: Vec<P>,
    township: Option<&str>,
    village: Option<&str>,
    category: &str,
    level: Option<Level>,
    text: &str,
) -> Record {
    Record {
        id: id.to_string(),
        date: Some(date.to_string()),
        text: text.to_string(),
        petitioners: people
            .into_iter()
            .map(|x| Petitioner {
                name: Some(x.name.to_string()),
                id_status: x.id.as_ref().map(|s| {
                    if s.len() == 18 {
                        IdStatus::Valid
                    } else {
                        IdStatus::Invalid
                    }
                }),
                id_number: x.id,
                phone: x.phone.map(str::to_string),
                address: None,
                birth: None,
                account: None,
            })
            .collect(),
        place: Place {
            county: Some("清溪县".into()),
            township: township.map(str::to_string),
            village: village.map(str::to_string),
        },
        addressee_level: level,
        categories: if category.is_empty() {
            vec![]
        } else {
            vec![Category {
                code: category.into(),
                score: 1.0,
                evidence: vec![],
            }]
        },
        ..Default::default()
    }
}

fn link_all(records: &mut [Record]) -> Linker {
    let mut l = Linker::new();
    l.link_batch(records);
    l
}

fn pid(rs: &[Record], id: &str) -> Option<String> {
    rs.iter()
        .find(|r| r.id == id)
        .and_then(|r| r.petitioner_id.clone())
}

#[test]
fn name_variant_one_character_off_in_same_village_merges_with_a_shared_phone() {
    let mut rs = vec![
        rec(
            "a",
            "2023-03-01",
            vec![P {
                name: "张建国",
                id: None,
                phone: Some("13700001234"),
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::County),
            &filler(1, 200),
        ),
        rec(
            "b",
            "2023-06-01",
            vec![P {
                name: "张健国",
                id: None,
                phone: Some("13700001234"),
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::City),
            &filler(2, 200),
        ),
    ];
    let l = link_all(&mut rs);
    assert!(pid(&rs, "a").is_some());
    assert_eq!(pid(&rs, "a"), pid(&rs, "b"));
    let g = l.petitioner_groups();
    assert_eq!(g.len(), 1);
    assert!(g[0].evidence[0].agreeing.contains(&"name≈".to_string()));
    assert!(g[0].evidence[0].agreeing.contains(&"village".to_string()));
}

#[test]
fn same_name_strangers_in_different_villages_stay_apart() {
    let mut rs = vec![
        rec(
            "a",
            "2023-03-01",
            vec![p("李秀兰")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(1, 200),
        ),
        rec(
            "b",
            "2023-06-01",
            vec![p("李秀兰")],
            Some("城关镇"),
            Some("西关社区"),
            "land",
            None,
            &filler(2, 200),
        ),
        rec(
            "c",
            "2023-07-01",
            vec![p("李秀兰")],
            Some("河湾乡"),
            Some("东关村"),
            "land",
            None,
            &filler(3, 200),
        ),
    ];
    link_all(&mut rs);
    assert_ne!(pid(&rs, "a"), pid(&rs, "b"));
    assert_ne!(pid(&rs, "a"), pid(&rs, "c"));
}

#[test]
fn two_different_valid_ids_never_merge() {
    let phone = Some("13812345678");
    let mut rs = vec![
        rec(
            "a",
            "2023-03-01",
            vec![P {
                name: "王建军",
                id: Some(make_id("411528", "19650304", 131)),
                phone,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(1, 200),
        ),
        rec(
            "b",
            "2023-06-01",
            vec![P {
                name: "王建军",
                id: Some(make_id("411528", "19880912", 217)),
                phone,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(2, 200),
        ),
        // A bridge record without ID agrees with both; it may join one, never both together.
        rec(
            "c",
            "2023-07-01",
            vec![P {
                name: "王建军",
                id: None,
                phone,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(3, 200),
        ),
    ];
    link_all(&mut rs);
    assert_ne!(pid(&rs, "a"), pid(&rs, "b"));
}

#[test]
fn shared_family_phone_does_not_merge_different_names() {
    let phone = Some("13912345678");
    let mut rs = vec![
        rec(
            "a",
            "2023-03-01",
            vec![P {
                name: "赵德福",
                id: None,
                phone,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(1, 200),
        ),
        rec(
            "b",
            "2023-06-01",
            vec![P {
                name: "赵小虎",
                id: None,
                phone,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(2, 200),
        ),
        // Brothers sharing a generation character and the family phone.
        rec(
            "c",
            "2023-06-02",
            vec![P {
                name: "赵德福",
                id: None,
                phone,
            }],
            None,
            None,
            "",
            None,
            &filler(3, 200),
        ),
        rec(
            "d",
            "2023-06-03",
            vec![P {
                name: "赵德禄",
                id: None,
                phone,
            }],
            None,
            None,
            "",
            None,
            &filler(4, 200),
        ),
    ];
    link_all(&mut rs);
    assert_ne!(pid(&rs, "a"), pid(&rs, "b"));
    assert_eq!(
        pid(&rs, "a"),
        pid(&rs, "c"),
        "same name and phone is the same person"
    );
    assert_ne!(pid(&rs, "c"), pid(&rs, "d"));
}

#[test]
fn id_number_in_some_letters_only_and_ocr_damaged_id() {
    let id = make_id("411528", "19580716", 373);
    let mut damaged = id.clone();
    damaged.replace_range(10..11, if &id[10..11] == "8" { "3" } else { "8" });
    let mut rs = vec![
        rec(
            "a",
            "2022-01-05",
            vec![P {
                name: "孙桂英",
                id: Some(id.clone()),
                phone: None,
            }],
            Some("城关镇"),
            Some("东关村"),
            "pension",
            None,
            &filler(1, 200),
        ),
        rec(
            "b",
            "2022-05-05",
            vec![p("孙桂英")],
            Some("城关镇"),
            Some("东关村"),
            "pension",
            None,
            &filler(2, 200),
        ),
        // A ledger row elsewhere: only the ID and a misread name tie it to her.
        rec(
            "c",
            "2023-01-05",
            vec![P {
                name: "孙贵英",
                id: Some(id.clone()),
                phone: None,
            }],
            None,
            None,
            "",
            None,
            &filler(3, 200),
        ),
        // OCR damaged one digit: invalid, but near the valid number.
        rec(
            "d",
            "2023-02-05",
            vec![P {
                name: "孙桂英",
                id: Some(damaged),
                phone: None,
            }],
            None,
            None,
            "",
            None,
            &filler(4, 200),
        ),
    ];
    rs[3].petitioners[0].id_status = Some(IdStatus::Invalid);
    link_all(&mut rs);
    let a = pid(&rs, "a");
    assert_eq!(a, pid(&rs, "b"));
    assert_eq!(a, pid(&rs, "c"));
    assert_eq!(a, pid(&rs, "d"));
}

#[test]
fn changed_phone_still_the_same_person() {
    let mut rs = vec![
        rec(
            "a",
            "2022-01-05",
            vec![P {
                name: "刘长河",
                id: None,
                phone: Some("13800001111"),
            }],
            Some("河湾乡"),
            Some("刘庄村"),
            "wages",
            None,
            &filler(1, 200),
        ),
        rec(
            "b",
            "2023-01-05",
            vec![P {
                name: "刘长河",
                id: None,
                phone: Some("15900002222"),
            }],
            Some("河湾乡"),
            Some("刘庄村"),
            "wages",
            None,
            &filler(2, 200),
        ),
    ];
    link_all(&mut rs);
    assert_eq!(pid(&rs, "a"), pid(&rs, "b"));
}

#[test]
fn common_names_weigh_less_than_rare_ones() {
    let mut rs = many_zhang_wei(Vec::new());
    rs.push(rec(
        "x1",
        "2023-01-01",
        vec![p("张伟")],
        Some("城关镇"),
        Some("东关村"),
        "",
        None,
        &filler(1, 200),
    ));
    rs.push(rec(
        "x2",
        "2023-02-01",
        vec![p("张伟")],
        Some("城关镇"),
        Some("东关村"),
        "",
        None,
        &filler(2, 200),
    ));
    rs.push(rec(
        "y1",
        "2023-01-01",
        vec![p("欧阳明轩")],
        Some("城关镇"),
        Some("东关村"),
        "",
        None,
        &filler(3, 200),
    ));
    rs.push(rec(
        "y2",
        "2023-02-01",
        vec![p("欧阳明轩")],
        Some("城关镇"),
        Some("东关村"),
        "",
        None,
        &filler(4, 200),
    ));
    link_all(&mut rs);
    assert_ne!(
        pid(&rs, "x1"),
        pid(&rs, "x2"),
        "a common name and a village are not enough"
    );
    assert_eq!(
        pid(&rs, "y1"),
        pid(&rs, "y2"),
        "a rare name and a village are"
    );
}

/// 500 other 张伟 in other townships, so that 张伟 is a common name, then `extra`.
fn many_zhang_wei(extra: Vec<Record>) -> Vec<Record> {
    let mut rs: Vec<Record> = (0..500)
        .map(|i| {
            let t = format!("乡{i}");
            let body = filler(100 + i, 60);
            rec(
                &format!("w{i}"),
                "2022-01-01",
                vec![p("张伟")],
                Some(&t),
                None,
                "",
                None,
                &body,
            )
        })
        .collect();
    rs.extend(extra);
    rs
}

#[test]
fn a_stated_birth_date_tells_a_common_name_apart() {
    let letter = |id: &str, birth: &str, seed: u64| {
        let mut r = rec(
            id,
            "2023-01-01",
            vec![p("张伟")],
            Some("城关镇"),
            Some("东关村"),
            "",
            None,
            &filler(seed, 200),
        );
        r.petitioners[0].birth = Some(birth.to_string());
        r
    };
    let mut rs = many_zhang_wei(vec![
        letter("a1", "1960-12", 1),
        letter("a2", "1960-12", 2),
        letter("b1", "1971-03", 3),
    ]);
    // A valid ID number on one letter holds the birth date the other letter states.
    let mut c1 = letter("c1", "1984-06", 4);
    c1.petitioners[0].birth = None;
    c1.petitioners[0].id_number = Some(make_id("411528", "19840612", 15));
    c1.petitioners[0].id_status = Some(IdStatus::Valid);
    c1.place.village = Some("西关村".into());
    let mut c2 = letter("c2", "1984-06", 5);
    c2.place.village = Some("西关村".into());
    rs.extend([c1, c2]);
    let l = link_all(&mut rs);
    assert_eq!(
        pid(&rs, "a1"),
        pid(&rs, "a2"),
        "name, village and birth month"
    );
    assert_ne!(
        pid(&rs, "a1"),
        pid(&rs, "b1"),
        "another birth date: another person"
    );
    assert_eq!(
        pid(&rs, "c1"),
        pid(&rs, "c2"),
        "birth date from the ID number"
    );
    let g = l.petitioner_of("a2").unwrap();
    assert!(g.evidence[0].agreeing.contains(&"birth_date".to_string()));
}

#[test]
fn the_names_on_a_letter_sent_again_are_the_same_people() {
    let body = land_letter();
    let again = body
        .replace("请求领导", "恳请领导")
        .replace("至今没有", "至今都没有");
    let mut rs = many_zhang_wei(vec![
        rec(
            "d1",
            "2023-05-02",
            vec![p("张伟")],
            Some("城关镇"),
            Some("东关村"),
            "",
            None,
            &body,
        ),
        rec(
            "d2",
            "2023-08-20",
            vec![p("张伟")],
            Some("城关镇"),
            Some("东关村"),
            "",
            None,
            &again,
        ),
        // Another letter of another 张伟 of the village: a common name and a village alone.
        rec(
            "e1",
            "2023-09-01",
            vec![p("张伟")],
            Some("城关镇"),
            Some("东关村"),
            "",
            None,
            &filler(9, 200),
        ),
    ]);
    let l = link_all(&mut rs);
    let g = l.petitioner_of("d2").unwrap();
    assert!(g.evidence[0].agreeing.contains(&"same_letter".to_string()));
    let d2 = rs.iter().find(|r| r.id == "d2").unwrap();
    assert!(d2.duplicate_of.is_some(), "the copy is a duplicate");
    assert_eq!(pid(&rs, "d1"), pid(&rs, "d2"), "same letter, same signer");
    assert_ne!(pid(&rs, "d1"), pid(&rs, "e1"));
}

#[test]
fn a_group_that_petitions_again_is_the_same_people() {
    let group = |names: &[&'static str]| names.iter().map(|n| p(n)).collect::<Vec<_>>();
    let mut rs = many_zhang_wei(vec![
        rec(
            "g1",
            "2023-03-01",
            group(&["吴淑芬", "张伟", "林红梅", "钟磊", "宋新华"]),
            Some("白沙镇"),
            None,
            "",
            None,
            &filler(11, 300),
        ),
        // The group's next letter names no place; one member is new, one stayed away.
        rec(
            "g2",
            "2023-09-01",
            group(&["吴淑芬", "张伟", "林红梅", "钟磊", "史国栋"]),
            None,
            None,
            "",
            None,
            &filler(12, 300),
        ),
        // Another township's group sharing three common names: another group, which the
        // placeless g2 must not bridge either.
        rec(
            "k1",
            "2023-11-01",
            group(&["张伟", "林红梅", "钟磊", "王勇"]),
            Some("青龙镇"),
            None,
            "",
            None,
            &filler(14, 300),
        ),
        // A small joint letter of the same township sharing one common name: chance.
        rec(
            "h1",
            "2023-10-01",
            group(&["张伟", "林红梅", "王建军"]),
            Some("白沙镇"),
            None,
            "",
            None,
            &filler(13, 300),
        ),
    ]);
    let l = link_all(&mut rs);
    let ids = |id: &str| {
        rs.iter().find(|r| r.id == id).unwrap().flag_evidence[EVIDENCE_PETITIONER_IDS].clone()
    };
    let (g1, g2, h1, k1) = (ids("g1"), ids("g2"), ids("h1"), ids("k1"));
    assert!(k1.iter().all(|id| !g1.contains(id)), "{g1:?} {k1:?}");
    // 吴淑芬, 张伟, 林红梅 and 钟磊 are the same people on both letters; 宋新华 and 史国栋 differ.
    assert_eq!(g1[..4], g2[..4], "{g1:?} {g2:?}");
    assert_ne!(g1[4], g2[4]);
    // The small letter shares 张伟 and 林红梅 with the group, but for each of them only one other
    // name recurs: chance, not the group.
    assert!(
        !g1.contains(&h1[0]) && !g1.contains(&h1[1]),
        "{g1:?} {h1:?}"
    );
    let g = l.petitioner_of("g2").unwrap();
    assert!(g
        .evidence
        .iter()
        .any(|e| e.agreeing.contains(&"co_signers".to_string())));
}

fn land_letter() -> String {
    "尊敬的县信访局领导：我们是清溪县城关镇东关村村民，二〇二三年村里修建高速公路，征用了我们组的耕地八十余亩，\
     每亩补偿款至今没有发放到位，村委会说镇里没有拨款，镇里说已经拨付到村，我们多次找村干部都没有结果。\
     请求领导查清补偿款去向，尽快发放到每户村民手中，保障我们的合法权益。此致\n敬礼！\n"
        .to_string()
}

#[test]
fn exact_and_near_duplicates_form_one_group() {
    let body = land_letter();
    let retyped = body
        .replace("八十余亩", "80多亩")
        .replace("至今没有", "至今都没有")
        .replace("请求领导", "恳请领导");
    let mut rs = vec![
        rec(
            "b",
            "2023-05-02",
            vec![p("陈国强")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::City),
            &format!("{body}信访人：陈国强\n2023年5月2日"),
        ),
        rec(
            "a",
            "2023-05-01",
            vec![p("陈国强")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::County),
            &format!("{body}信访人：陈国强\n2023年5月1日"),
        ),
        rec(
            "c",
            "2023-05-20",
            vec![p("陈国强")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::Province),
            &format!("{retyped}信访人：陈国强 电话13812345678\n2023年5月20日"),
        ),
        rec(
            "z",
            "2023-05-21",
            vec![p("周文")],
            Some("城关镇"),
            Some("东关村"),
            "other",
            None,
            &filler(9, 200),
        ),
    ];
    let l = link_all(&mut rs);
    let get = |id: &str| rs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(get("a").duplicate_of, None);
    assert!(!get("a").flags.contains(&"duplicate".to_string()));
    assert_eq!(get("b").duplicate_of.as_deref(), Some("a"));
    assert_eq!(get("c").duplicate_of.as_deref(), Some("a"));
    assert!(get("c").flags.contains(&"duplicate".to_string()));
    assert!(get("c").flag_evidence.contains_key("duplicate"));
    assert_eq!(get("z").duplicate_of, None);
    let g = l.duplicate_groups();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].records, vec!["a", "b", "c"]);
    assert!(g[0].evidence.iter().any(|e| e.exact));
    assert!(g[0]
        .evidence
        .iter()
        .any(|e| !e.exact && e.similarity >= 0.6));
}

/// A land letter of 陈国强 of 东关村, dated 2023-05-01, with the given id and text.
fn chen_land_letter(id: &str, text: &str) -> Record {
    rec(
        id,
        "2023-05-01",
        vec![p("陈国强")],
        Some("城关镇"),
        Some("东关村"),
        "land",
        None,
        text,
    )
}

/// A letter re-sent with a paragraph added, in a later batch, before the first copy's text can be
/// read back (an ingest commits every 100,000 records): the pair is judged on exact shingles, not on
/// the sketch estimate, which for this pair falls below the threshold.
#[test]
fn near_duplicate_in_a_later_batch_is_verified_before_its_text_is_readable() {
    let body = format!("{}{}", land_letter(), filler(1, 160));
    let fp = |t: &str| duplicate::fingerprint(&duplicate::normalise_body(t, &[]), "");
    let a = fp(&body);
    // An added paragraph whose sketch happens to agree little: exact ≥ 0.7, estimate < 0.7.
    let (copy, exact, estimate) = (0..500u64)
        .map(|seed| {
            let copy = format!("{body}{}", filler(seed + 100, 60));
            let b = fp(&copy);
            let exact = duplicate::jaccard(&a.shingles, &b.shingles);
            (
                copy,
                exact,
                duplicate::sketch_similarity(&a.sketch, &b.sketch),
            )
        })
        .find(|(_, exact, estimate)| {
            *exact >= duplicate::DUP_JACCARD && *estimate < duplicate::DUP_JACCARD
        })
        .expect("a copy whose sketch underestimates it");
    assert!(exact < 0.9 && estimate < exact);
    let run = |readable_between: bool| {
        let mut l = Linker::new();
        let mut first = vec![chen_land_letter("a", &body)];
        l.link_batch(&mut first);
        if readable_between {
            l.texts_readable(); // and the text source (none here) cannot give it: estimate only
        }
        let mut second = vec![chen_land_letter("b", &copy)];
        l.link_batch(&mut second);
        second[0].duplicate_of.clone()
    };
    assert_eq!(run(false).as_deref(), Some("a"));
    assert_eq!(run(true), None);
}

#[test]
fn kept_shingles_are_bounded() {
    let mut l = Linker::new();
    for k in 0..10u64 {
        let mut batch = vec![chen_land_letter(&format!("{k:016x}"), &filler(k, 200))];
        l.link_batch(&mut batch);
        l.trim_unread(4);
        assert!(l.unread.len() <= 5, "{}", l.unread.len());
    }
    // The newest records are the ones kept.
    let newest = (l.records.len() - 1) as u32;
    assert!(l.unread.contains_key(&newest));
    assert!(!l.unread.contains_key(&0));
}

#[test]
fn photocopied_joint_letter_with_different_signers_is_one_group() {
    let body = land_letter();
    let mut rs = vec![
        rec(
            "j1",
            "2023-05-01",
            vec![p("陈国强"), p("李秀兰"), p("王建军")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &format!("{body}联名人：陈国强 李秀兰 王建军\n2023年5月1日"),
        ),
        rec(
            "j2",
            "2023-05-01",
            vec![p("周文华"), p("吴桂芝")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &format!("{body}联名人：周文华、吴桂芝\n二〇二三年五月一日"),
        ),
        rec(
            "j3",
            "2023-05-03",
            vec![p("郑春生")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &format!("{body}签名：郑春生 13700001234"),
        ),
    ];
    let l = link_all(&mut rs);
    let g = l.duplicate_groups();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].records, vec!["j1", "j2", "j3"]);
    // Co-signers are different people, each with an id.
    let ids = &rs[0].flag_evidence[EVIDENCE_PETITIONER_IDS];
    assert_eq!(ids.len(), 3);
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
}

#[test]
fn repeat_petitions_on_one_matter_climb_levels() {
    let mut rs = vec![
        rec(
            "r1",
            "2022-03-01",
            vec![p("黄丽萍")],
            Some("城关镇"),
            Some("南街社区"),
            "demolition",
            Some(Level::County),
            &filler(11, 300),
        ),
        rec(
            "r2",
            "2022-09-01",
            vec![p("黄丽萍")],
            Some("城关镇"),
            Some("南街社区"),
            "demolition",
            Some(Level::City),
            &filler(12, 300),
        ),
        rec(
            "r3",
            "2023-04-01",
            vec![p("黄丽萍")],
            Some("城关镇"),
            Some("南街社区"),
            "demolition",
            Some(Level::Province),
            &filler(13, 300),
        ),
        rec(
            "r4",
            "2023-05-01",
            vec![p("黄丽萍")],
            Some("城关镇"),
            Some("南街社区"),
            "subsistence",
            Some(Level::County),
            &filler(14, 300),
        ),
    ];
    let l = link_all(&mut rs);
    let flags = |id: &str| rs.iter().find(|r| r.id == id).unwrap().flags.clone();
    assert!(!flags("r1").contains(&"repeat".to_string()));
    assert!(flags("r2").contains(&"repeat".to_string()));
    assert!(flags("r3").contains(&"repeat".to_string()));
    assert!(!flags("r4").contains(&"repeat".to_string()));
    let g = l.petitioner_of("r3").unwrap();
    assert_eq!(g.records, vec!["r1", "r2", "r3", "r4"]);
    let m = &g.matters[0];
    assert_eq!(m.count, 3);
    assert_eq!(m.levels, vec![Level::County, Level::City, Level::Province]);
    assert!(rs[2].flag_evidence["repeat"][0].contains("3 of 3"));
}

/// A second category counts for the matter only when it weighs about as much as the primary.
#[test]
fn a_passing_second_category_is_not_the_matter() {
    let id = make_id("411528", "19620304", 17);
    let letter = |rid: &str, date: &str, cats: &[(&str, f32)], seed: u64| {
        let mut r = rec(
            rid,
            date,
            vec![P {
                name: "黄丽萍",
                id: Some(id.clone()),
                phone: None,
            }],
            Some("城关镇"),
            Some("南街社区"),
            "",
            Some(Level::County),
            &filler(seed, 300),
        );
        r.categories = cats
            .iter()
            .map(|&(code, score)| Category {
                code: code.into(),
                score,
                evidence: vec![],
            })
            .collect();
        r
    };
    let mut rs = vec![
        // Land, mentioning wages in passing.
        letter("r1", "2022-03-01", &[("land", 0.9), ("labor", 0.4)], 21),
        // Wages: a new matter, not a repeat of r1's.
        letter("r2", "2022-06-01", &[("labor", 0.9)], 22),
        // Wages and land about equally: the land matter again.
        letter("r3", "2022-09-01", &[("labor", 0.8), ("land", 0.7)], 23),
    ];
    let l = link_all(&mut rs);
    let repeat = |id: &str| {
        rs.iter()
            .find(|r| r.id == id)
            .unwrap()
            .flags
            .contains(&"repeat".to_string())
    };
    assert_eq!(["r1", "r2", "r3"].map(repeat), [false, false, true]);
    let g = l.petitioner_of("r1").unwrap();
    assert_eq!(g.records.len(), 3);
    let counts: Vec<usize> = g.matters.iter().map(|m| m.count).collect();
    assert_eq!(counts, vec![2, 1]);
}

fn scenario() -> Vec<Record> {
    let body = land_letter();
    let id = make_id("411528", "19700101", 555);
    let mut v = vec![
        rec(
            "s01",
            "2022-01-01",
            vec![p("张建国")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::County),
            &format!("{body}信访人：张建国"),
        ),
        rec(
            "s02",
            "2022-02-01",
            vec![P {
                name: "马成林",
                id: Some(id.clone()),
                phone: Some("13611112222"),
            }],
            Some("河湾乡"),
            Some("刘庄村"),
            "wages",
            Some(Level::County),
            &filler(21, 150),
        ),
        rec(
            "s03",
            "2022-03-01",
            vec![p("张健国")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::City),
            &filler(22, 150),
        ),
        rec(
            "s04",
            "2022-04-01",
            vec![P {
                name: "马成林",
                id: None,
                phone: Some("13611112222"),
            }],
            None,
            None,
            "wages",
            Some(Level::City),
            &filler(23, 150),
        ),
        rec(
            "s05",
            "2022-05-01",
            vec![p("李秀兰"), p("王建军")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            Some(Level::County),
            &format!("{body}联名人：李秀兰 王建军"),
        ),
    ];
    for i in 0..20u64 {
        let name = ["何志强", "罗美华", "高明", "林淑珍", "郭振华"][(i % 5) as usize];
        let village = ["东关村", "刘庄村", "西关社区"][(i % 3) as usize];
        let township = if village == "刘庄村" {
            "河湾乡"
        } else {
            "城关镇"
        };
        v.push(rec(
            &format!("t{i:02}"),
            &format!("2022-{:02}-15", 1 + i % 12),
            vec![p(name)],
            Some(township),
            Some(village),
            ["land", "wages"][(i % 2) as usize],
            Some([Level::County, Level::City][(i % 2) as usize]),
            &filler(100 + i % 7, 150),
        ));
    }
    v.push(rec(
        "s06",
        "2023-01-01",
        vec![P {
            name: "马成林",
            id: Some(id),
            phone: None,
        }],
        None,
        None,
        "wages",
        Some(Level::Province),
        &filler(24, 150),
    ));
    v.push(rec(
        "s07",
        "2023-02-01",
        vec![p("张建国")],
        Some("城关镇"),
        Some("东关村"),
        "land",
        Some(Level::Province),
        &format!("{body}信访人：张建国 2023年"),
    ));
    v
}

type Shown = (String, Option<String>, Option<String>, Vec<String>);

fn summary(rs: &[Record]) -> Vec<Shown> {
    let mut v: Vec<_> = rs
        .iter()
        .map(|r| {
            let mut f = r.flags.clone();
            f.sort();
            (
                r.id.clone(),
                r.petitioner_id.clone(),
                r.duplicate_of.clone(),
                f,
            )
        })
        .collect();
    v.sort();
    v
}

fn apply(rs: &mut [Record], updates: &[RecordUpdate]) {
    for u in updates {
        if let Some(r) = rs.iter_mut().find(|r| r.id == u.id) {
            r.petitioner_id = u.petitioner_id.clone();
            r.duplicate_of = u.duplicate_of.clone();
            r.flags.retain(|f| !u.flags_remove.contains(f));
            for f in &u.flags_add {
                if !r.flags.contains(f) {
                    r.flags.push(f.clone());
                }
            }
        }
    }
}

#[test]
fn incremental_batches_give_the_same_ids_as_all_at_once() {
    let mut all = scenario();
    let l_all = link_all(&mut all);

    let mut inc = scenario();
    let mut l = Linker::new();
    let dir = std::env::temp_dir().join(format!("xinfang-link-test-{}", std::process::id()));
    for chunk in [0..6, 6..17, 17..inc.len()] {
        let mut batch: Vec<Record> = inc[chunk.clone()].to_vec();
        let ups = l.link_batch(&mut batch);
        inc[chunk].clone_from_slice(&batch);
        apply(&mut inc, &ups);
        // Persisting between batches changes nothing.
        l.save(&dir).unwrap();
        l = Linker::open(&dir).unwrap();
    }
    assert_eq!(summary(&all), summary(&inc));
    // Link scores reflect the name and place frequencies when each link was made; the groups,
    // their ids, records and matters do not depend on the batches.
    let strip = |gs: Vec<PetitionerGroup>| -> Vec<PetitionerGroup> {
        gs.into_iter()
            .map(|mut g| {
                for e in &mut g.evidence {
                    e.score = 0.0;
                }
                g
            })
            .collect()
    };
    assert_eq!(
        strip(l_all.petitioner_groups()),
        strip(l.petitioner_groups())
    );
    assert_eq!(l_all.duplicate_groups(), l.duplicate_groups());
    // Re-running the same batch again keeps every id.
    let mut again = scenario();
    let ups = l.link_batch(&mut again);
    assert!(ups.is_empty(), "{ups:?}");
    assert_eq!(summary(&all), summary(&again));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn older_cluster_id_wins_when_a_new_record_bridges_two() {
    let id = make_id("411528", "19630218", 111);
    let mut l = Linker::new();
    let mut b1 = vec![
        rec(
            "old",
            "2021-01-01",
            vec![p("郭振华")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(1, 100),
        ),
        rec(
            "newer",
            "2021-06-01",
            vec![P {
                name: "郭振华",
                id: Some(id.clone()),
                phone: None,
            }],
            None,
            None,
            "land",
            None,
            &filler(2, 100),
        ),
    ];
    l.link_batch(&mut b1);
    assert_ne!(b1[0].petitioner_id, b1[1].petitioner_id);
    let old_id = b1[0].petitioner_id.clone();
    let mut b2 = vec![rec(
        "bridge",
        "2022-01-01",
        vec![P {
            name: "郭振华",
            id: Some(id),
            phone: None,
        }],
        Some("城关镇"),
        Some("东关村"),
        "land",
        None,
        &filler(3, 100),
    )];
    let ups = l.link_batch(&mut b2);
    assert_eq!(b2[0].petitioner_id, old_id);
    let u = ups
        .iter()
        .find(|u| u.id == "newer")
        .expect("the younger cluster is renamed");
    assert_eq!(u.petitioner_id, old_id);
}

#[test]
fn removal_relinks_what_remains() {
    let body = land_letter();
    let mut rs = vec![
        rec(
            "a",
            "2023-05-01",
            vec![p("陈国强")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &format!("{body}信访人：陈国强"),
        ),
        rec(
            "b",
            "2023-05-02",
            vec![p("陈国强")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &format!("{body}信访人：陈国强"),
        ),
        rec(
            "c",
            "2023-05-03",
            vec![p("陈国强")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &format!("{body}信访人：陈国强"),
        ),
    ];
    let mut l = link_all(&mut rs);
    let person = rs[0].petitioner_id.clone();
    let ups = l.remove(&["a".to_string()]);
    let b = ups
        .iter()
        .find(|u| u.id == "b")
        .expect("b is no longer a duplicate");
    assert_eq!(b.duplicate_of, None);
    assert!(b.flags_remove.contains(&"duplicate".to_string()));
    assert!(b.flags_remove.contains(&"repeat".to_string()));
    assert_eq!(b.petitioner_id, person, "the person keeps the id");
    let c = ups.iter().find(|u| u.id == "c").unwrap();
    assert_eq!(c.duplicate_of.as_deref(), Some("b"));
    assert_eq!(l.duplicate_groups()[0].records, vec!["b", "c"]);
    assert_eq!(l.len(), 2);
    // Re-ingesting the removed file restores everything, including the id.
    let mut again = vec![rs[0].clone()];
    l.link_batch(&mut again);
    assert_eq!(again[0].petitioner_id, person);
    assert_eq!(l.duplicate_groups()[0].records, vec!["a", "b", "c"]);
}

#[test]
fn similar_finds_copies_and_the_same_petitioner() {
    let body = land_letter();
    let mut rs = scenario();
    let l = link_all(&mut rs);
    let probe = rec(
        "new",
        "2024-01-01",
        vec![p("张建国")],
        Some("城关镇"),
        Some("东关村"),
        "land",
        None,
        &format!("{body}信访人：张建国"),
    );
    let s = l.similar(&probe, 5);
    let ids: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert!(ids.contains(&"s01") && ids.contains(&"s07"), "{s:?}");
    assert!(s
        .iter()
        .any(|x| x.2.contains("same text") || x.2.contains("near-duplicate")));
    assert!(s.iter().any(|x| x.2.contains("same petitioner")));
}

#[test]
fn damaged_state_is_an_error_not_a_mislink() {
    let dir = std::env::temp_dir().join(format!("xinfang-link-bad-{}", std::process::id()));
    let mut rs = scenario();
    let l = link_all(&mut rs);
    l.save(&dir).unwrap();
    let path = dir.join("state.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(Linker::open(&dir), Err(LinkError::Corrupt(_))));
    std::fs::write(&path, b"nonsense").unwrap();
    assert!(Linker::open(&dir).is_err());
    let _ = std::fs::remove_dir_all(&dir);
    assert!(Linker::open(&dir).unwrap().is_empty());
}

/// A message of an online petition platform (网上信访): the writer's account, no name, no ID, no
/// phone — the shape of a ledger row with a 留言用户 column.
fn web_message(
    id: &str,
    date: &str,
    account: &str,
    township: Option<&str>,
    category: &str,
    seed: u64,
) -> Record {
    let mut r = rec(
        id,
        date,
        vec![p("x")],
        township,
        None,
        category,
        Some(Level::City),
        &filler(seed, 180),
    );
    r.petitioners[0].name = None;
    r.petitioners[0].account = Some(account.to_string());
    r
}

#[test]
fn same_account_links_nameless_messages_across_matters_and_saves() {
    let mut rs = vec![
        web_message(
            "m1",
            "2019-04-25",
            "A00045581",
            Some("城关镇"),
            "property",
            11,
        ),
        // Another place and another matter: the login still says who wrote.
        web_message(
            "m2",
            "2019-06-02",
            "A00045581",
            Some("河口乡"),
            "traffic",
            12,
        ),
        web_message(
            "m3",
            "2019-07-10",
            "A00023583",
            Some("城关镇"),
            "property",
            13,
        ),
    ];
    let mut l = link_all(&mut rs);
    assert!(
        pid(&rs, "m1").is_some(),
        "a nameless message with an account is a petitioner"
    );
    assert_eq!(pid(&rs, "m1"), pid(&rs, "m2"));
    assert_ne!(pid(&rs, "m1"), pid(&rs, "m3"));
    let g = l.petitioner_of("m2").unwrap();
    assert_eq!(g.records, vec!["m1", "m2"]);
    assert!(g
        .evidence
        .iter()
        .all(|e| e.agreeing.contains(&"account".to_string())));

    // The account survives the state file: a later message of the same writer (full-width, padded)
    // joins the same petitioner after reopening.
    let dir = std::env::temp_dir().join(format!("xinfang-link-account-{}", std::process::id()));
    l.save(&dir).unwrap();
    l = Linker::open(&dir).unwrap();
    let mut later = vec![web_message(
        "m4",
        "2019-09-01",
        " Ａ00045581 ",
        None,
        "",
        14,
    )];
    l.link_batch(&mut later);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(later[0].petitioner_id, pid(&rs, "m1"));
}

#[test]
fn different_accounts_do_not_link_even_with_everything_else_equal() {
    let mut rs = vec![
        web_message("a", "2019-04-25", "A0001", Some("城关镇"), "property", 21),
        web_message("b", "2019-04-26", "A0002", Some("城关镇"), "property", 22),
    ];
    link_all(&mut rs);
    assert!(pid(&rs, "a").is_some() && pid(&rs, "b").is_some());
    assert_ne!(pid(&rs, "a"), pid(&rs, "b"));

    // Same name and village, two logins: the names and place carry the link; the second account
    // is only a mild disagreement (people register twice).
    let mut named = vec![
        rec(
            "c",
            "2023-03-01",
            vec![p("欧阳明轩")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(23, 200),
        ),
        rec(
            "d",
            "2023-05-01",
            vec![p("欧阳明轩")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(24, 200),
        ),
    ];
    named[0].petitioners[0].account = Some("u1001".into());
    named[1].petitioners[0].account = Some("u2002".into());
    link_all(&mut named);
    assert_eq!(pid(&named, "c"), pid(&named, "d"));
}

#[test]
fn account_and_name_both_present() {
    let mut rs = vec![
        // A ledger row with name and account, a later nameless message of the same login.
        rec(
            "n1",
            "2023-03-01",
            vec![p("李秀兰")],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(31, 200),
        ),
        web_message("n2", "2023-04-01", "qx_lixiulan", None, "land", 32),
        // The same login signing with another name: someone the writer speaks for, not linked.
        rec(
            "n3",
            "2023-05-01",
            vec![p("赵德福")],
            Some("河口乡"),
            Some("河口村"),
            "wages",
            None,
            &filler(33, 200),
        ),
        // The same name on the same login, nothing else known: linked on both.
        rec(
            "n4",
            "2023-06-01",
            vec![p("李秀兰")],
            None,
            None,
            "",
            None,
            &filler(34, 200),
        ),
        // A different valid ID number on the same login never merges.
        rec(
            "n5",
            "2023-07-01",
            vec![P {
                name: "李秀兰",
                id: Some(make_id("411528", "19700101", 5)),
                phone: None,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(35, 200),
        ),
        rec(
            "n6",
            "2023-08-01",
            vec![P {
                name: "李秀兰",
                id: Some(make_id("411528", "19800202", 6)),
                phone: None,
            }],
            Some("城关镇"),
            Some("东关村"),
            "land",
            None,
            &filler(36, 200),
        ),
    ];
    for r in rs.iter_mut() {
        if r.id != "n2" {
            r.petitioners[0].account = Some("qx_lixiulan".into());
        }
    }
    link_all(&mut rs);
    assert_eq!(pid(&rs, "n1"), pid(&rs, "n2"));
    assert_eq!(pid(&rs, "n1"), pid(&rs, "n4"));
    assert_ne!(pid(&rs, "n5"), pid(&rs, "n6"));
    // Without the nameless message n2 (which agrees with both on the login alone and so bridges
    // them), another name on the same login stays apart.
    let mut direct: Vec<Record> = rs.iter().filter(|r| r.id != "n2").cloned().collect();
    link_all(&mut direct);
    assert_ne!(pid(&direct, "n1"), pid(&direct, "n3"));
    assert_eq!(pid(&direct, "n1"), pid(&direct, "n4"));
    let l = link_all(&mut rs.clone());
    let g = l.petitioner_of("n4").unwrap();
    assert!(g
        .evidence
        .iter()
        .any(|e| e.agreeing.contains(&"account".to_string())
            && e.agreeing.contains(&"name".to_string())));
}

/// A synthetic archive with ground truth: (records, person label per record's first petitioner,
/// duplicate label per record).
pub(crate) fn synthetic(n_records: usize, seed: u64) -> (Vec<Record>, Vec<u64>, Vec<u64>) {
    let mut x = seed | 1;
    let mut rnd = move |m: u64| -> u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m.max(1)
    };
    const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
    const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉金德福林海生春梅荣凤宝山成文永新庆东光荣云龙祥瑞";
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let cats = [
        "land",
        "demolition",
        "wages",
        "pension",
        "subsistence",
        "veterans",
        "court",
        "enterprise",
    ];
    let n_people = n_records * 2 / 5;
    struct Person {
        name: String,
        id: Option<String>,
        phone: Option<String>,
        township: usize,
        village: usize,
        cat: usize,
    }
    let people: Vec<Person> = (0..n_people)
        .map(|i| {
            // Zipf-like surnames: the first few are far more common.
            let s = surnames[(rnd(surnames.len() as u64).min(rnd(surnames.len() as u64))) as usize];
            let g1 = given[rnd(given.len() as u64) as usize];
            let name = if rnd(4) == 0 {
                format!("{s}{g1}")
            } else {
                format!("{s}{g1}{}", given[rnd(given.len() as u64) as usize])
            };
            let birth = format!("19{:02}{:02}{:02}", 40 + rnd(50), 1 + rnd(12), 1 + rnd(28));
            Person {
                name,
                id: (rnd(10) < 4).then(|| make_id("411528", &birth, (i % 1000) as u32)),
                phone: (rnd(10) < 6).then(|| format!("1{}{:09}", 3 + rnd(7), rnd(1_000_000_000))),
                township: rnd(20) as usize,
                village: rnd(15) as usize,
                cat: rnd(cats.len() as u64) as usize,
            }
        })
        .collect();
    let mut records = Vec::with_capacity(n_records);
    let mut person_of = Vec::with_capacity(n_records);
    let mut dup_of = Vec::with_capacity(n_records);
    let mut texts: Vec<String> = Vec::with_capacity(n_records);
    for i in 0..n_records {
        let copy = i > 10 && rnd(100) < 5;
        let (pi, text, dup) = if copy {
            let j = (i - 1 - rnd(i.min(500) as u64) as usize).min(i - 1);
            let mut t: Vec<char> = texts[j].chars().collect();
            for _ in 0..rnd(6) {
                let k = rnd(t.len() as u64) as usize;
                t[k] = given[rnd(given.len() as u64) as usize];
            }
            (
                person_of[j] as usize,
                t.into_iter().collect::<String>(),
                dup_of[j],
            )
        } else {
            // Half the people write more than once.
            let pi = if rnd(2) == 0 {
                rnd(n_people as u64 / 4)
            } else {
                rnd(n_people as u64)
            } as usize;
            (
                pi,
                filler(seed ^ (i as u64 * 7919), 150 + rnd(250) as usize),
                i as u64,
            )
        };
        let per = &people[pi];
        let mut name = per.name.clone();
        if rnd(100) < 6 {
            // OCR / homophone slip in the given name's first character.
            let mut c: Vec<char> = name.chars().collect();
            if c.len() == 3 {
                c[1] = given[rnd(given.len() as u64) as usize];
                name = c.into_iter().collect();
            }
        }
        let show_id = per.id.is_some() && rnd(10) < 6;
        let show_phone = per.phone.is_some() && rnd(10) < 7;
        let show_village = rnd(10) < 8;
        // Ids as the engine makes them (16 hex digits of a hash), which the linker stores as numbers.
        let mut r = rec(
            &format!("{:016x}", state::mix64(i as u64 ^ 0x5eed)),
            &format!(
                "20{:02}-{:02}-{:02}",
                18 + (i * 6 / n_records),
                1 + rnd(12),
                1 + rnd(28)
            ),
            vec![P {
                name: &name,
                id: if show_id { per.id.clone() } else { None },
                phone: if show_phone {
                    per.phone.as_deref()
                } else {
                    None
                },
            }],
            Some(&format!("镇{}", per.township)),
            if show_village {
                Some(format!("村{}-{}", per.township, per.village))
            } else {
                None
            }
            .as_deref(),
            cats[if rnd(10) < 8 {
                per.cat
            } else {
                rnd(cats.len() as u64) as usize
            }],
            Some([Level::County, Level::City, Level::Province, Level::National][rnd(4) as usize]),
            &text,
        );
        if show_id && rnd(20) == 0 {
            // A damaged ID number.
            let mut s = r.petitioners[0].id_number.clone().unwrap_or_default();
            let k = rnd(17) as usize;
            s.replace_range(k..k + 1, &((rnd(10)) as u8).to_string());
            r.petitioners[0].id_number = Some(s);
            r.petitioners[0].id_status = Some(IdStatus::Invalid);
        }
        texts.push(text);
        records.push(r);
        person_of.push(pi as u64);
        dup_of.push(dup);
    }
    (records, person_of, dup_of)
}

fn clusters_by<T: Eq + std::hash::Hash + Clone>(
    labels: impl Iterator<Item = (String, T)>,
) -> Vec<Vec<String>> {
    let mut m: HashMap<T, Vec<String>> = HashMap::default();
    for (id, l) in labels {
        m.entry(l).or_default().push(id);
    }
    m.into_values().collect()
}

/// `cargo test --release -- --ignored --nocapture synthetic_scale`; `XINFANG_SYNTH=n` sets the size.
#[test]
#[ignore]
fn synthetic_scale() {
    let n: usize = std::env::var("XINFANG_SYNTH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t = std::time::Instant::now();
    let (mut records, persons, dups) = synthetic(n + 1000, 42);
    let extra: Vec<Record> = records.split_off(n);
    eprintln!("generated {} records in {:.1?}", n, t.elapsed());
    let mut l = Linker::new();
    let t = std::time::Instant::now();
    for chunk in records.chunks_mut(10_000) {
        l.link_batch(chunk);
        // As an ingest's commit would: the state measured is the archive's, not a window's.
        l.texts_readable();
    }
    let link_time = t.elapsed();
    let mem = l.memory_bytes();
    let enc = l.encoded_len();
    eprintln!(
        "linked {n} in {link_time:.2?} ({:.1} µs/record); memory {:.0} B/record; on disk {:.0} B/record",
        link_time.as_secs_f64() * 1e6 / n as f64,
        mem as f64 / n as f64,
        enc as f64 / n as f64
    );
    let truth = clusters_by(
        records
            .iter()
            .zip(&persons)
            .map(|(r, &p)| (r.id.clone(), p)),
    );
    let pred = clusters_by(records.iter().map(|r| {
        (
            r.id.clone(),
            r.petitioner_id.clone().unwrap_or_else(|| r.id.clone()),
        )
    }));
    let pw = metrics::pairwise_prf(&truth, &pred);
    let b3 = metrics::bcubed(&truth, &pred);
    eprintln!(
        "petitioners: pairwise P {:.4} R {:.4} F1 {:.4}; B-cubed P {:.4} R {:.4} F1 {:.4}",
        pw.precision, pw.recall, pw.f1, b3.precision, b3.recall, b3.f1
    );
    let dtruth = clusters_by(records.iter().zip(&dups).map(|(r, &d)| (r.id.clone(), d)));
    let dpred = clusters_by(records.iter().map(|r| {
        (
            r.id.clone(),
            r.duplicate_of.clone().unwrap_or_else(|| r.id.clone()),
        )
    }));
    let dp = metrics::pairwise_prf(&dtruth, &dpred);
    eprintln!(
        "duplicates: pairwise P {:.4} R {:.4} F1 {:.4} ({} true pairs)",
        dp.precision, dp.recall, dp.f1, dp.true_pairs
    );
    if std::env::var("XINFANG_DIAG").is_ok() {
        let truth_of: HashMap<&str, u64> = records
            .iter()
            .zip(&persons)
            .map(|(r, &p)| (r.id.as_str(), p))
            .collect();
        let name_of: HashMap<&str, String> = records
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    format!(
                        "{}|{:?}|{:?}",
                        r.petitioners[0].name.clone().unwrap_or_default(),
                        r.place.township,
                        r.place.village
                    ),
                )
            })
            .collect();
        let mut tally: HashMap<String, (usize, usize)> = HashMap::default();
        let mut shown = 0;
        for g in l.petitioner_groups() {
            for e in &g.evidence {
                let bad = truth_of[e.record.as_str()] != truth_of[e.linked_to.as_str()];
                let t = tally.entry(e.agreeing.join("+")).or_default();
                if bad {
                    t.1 += 1;
                    if shown < 12 {
                        shown += 1;
                        eprintln!(
                            "  false link {:.1}: {} ~ {} {:?}",
                            e.score,
                            name_of[e.record.as_str()],
                            name_of[e.linked_to.as_str()],
                            e.agreeing
                        );
                    }
                } else {
                    t.0 += 1;
                }
            }
        }
        let mut v: Vec<_> = tally.into_iter().collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1 .1));
        for (k, (good, bad)) in v.iter().take(12) {
            eprintln!("  {k}: {good} good, {bad} false");
        }
    }
    let repeats = records
        .iter()
        .filter(|r| r.flags.iter().any(|f| f == "repeat"))
        .count();
    eprintln!(
        "repeat-flagged records: {repeats}; petitioner groups ≥2: {}",
        l.petitioner_groups().len()
    );

    // Incremental ingest: open the saved state, link 1,000 new records, save.
    let dir = std::env::temp_dir().join(format!("xinfang-link-scale-{}", std::process::id()));
    l.save(&dir).unwrap();
    drop(l);
    let size = std::fs::metadata(dir.join("state.bin")).unwrap().len();
    let t = std::time::Instant::now();
    let mut l = Linker::open(&dir).unwrap();
    let t_open = t.elapsed();
    eprintln!(
        "after open: memory {:.0} B/record",
        l.memory_bytes() as f64 / n as f64
    );
    for (part, bytes) in l.memory_breakdown() {
        eprintln!("  {part}: {:.1} B/record", bytes as f64 / n as f64);
    }
    let mut batch = extra;
    let t2 = std::time::Instant::now();
    let ups = l.link_batch(&mut batch);
    let t_link = t2.elapsed();
    let t3 = std::time::Instant::now();
    l.save(&dir).unwrap();
    let t_save = t3.elapsed();
    eprintln!(
        "state file {:.0} B/record; +1000 records: open {t_open:.2?}, link {t_link:.2?} ({} updates to archived records), save {t_save:.2?}, total {:.2?}",
        size as f64 / n as f64,
        ups.len(),
        t.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(pw.precision > 0.95);
}

/// Text of a corpus file for the truth evaluation: UTF-8 (BOM stripped) and UTF-16 with BOM; other
/// encodings and binary formats fall back to the record's title.
fn corpus_text(path: &std::path::Path) -> Option<String> {
    let b = std::fs::read(path).ok()?;
    if path.extension()?.to_str()? != "txt" {
        return None;
    }
    if b.starts_with(&[0xff, 0xfe]) || b.starts_with(&[0xfe, 0xff]) {
        let le = b[0] == 0xff;
        let units: Vec<u16> = b[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return String::from_utf16(&units).ok();
    }
    let s = String::from_utf8(b).ok()?;
    Some(s.trim_start_matches('\u{feff}').to_string())
}

/// `XINFANG_TRUTH=/work/main/corpus/truth.jsonl cargo test -- --ignored --nocapture truth_corpus`
#[test]
#[ignore]
fn truth_corpus() {
    let Ok(path) = std::env::var("XINFANG_TRUTH") else {
        return;
    };
    let root = std::path::Path::new(&path)
        .parent()
        .and_then(|p| p.parent())
        .unwrap()
        .to_path_buf();
    let mut records = Vec::new();
    let mut persons: Vec<Vec<String>> = Vec::new();
    let mut dups = Vec::new();
    let mut with_text = 0;
    for (i, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().map(str::to_string);
        let petitioners: Vec<Petitioner> =
            serde_json::from_value(v["petitioners"].clone()).unwrap();
        let text = corpus_text(&root.join(v["path"].as_str().unwrap()));
        with_text += text.is_some() as usize;
        let r = Record {
            id: format!(
                "{}#{}#{}",
                s("path").unwrap(),
                s("sheet").unwrap_or_default(),
                v["row"].as_u64().unwrap_or(0)
            ),
            date: s("date"),
            text: text.or_else(|| s("title")).unwrap_or_default(),
            petitioners,
            place: Place {
                county: s("county"),
                township: s("township"),
                village: s("village"),
            },
            addressee_level: s("addressee_level").and_then(|l| Level::parse(&l)),
            categories: s("category")
                .map(|c| {
                    vec![Category {
                        code: c,
                        score: 1.0,
                        evidence: vec![],
                    }]
                })
                .unwrap_or_default(),
            ..Default::default()
        };
        persons.push(
            v["person_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap_or("").to_string())
                .collect(),
        );
        dups.push(s("duplicate_group").unwrap_or_else(|| format!("single{i}")));
        records.push(r);
    }
    let mut l = Linker::new();
    l.link_batch(&mut records);
    // Mention level: every petitioner of every record.
    let mut truth_m = Vec::new();
    let mut pred_m = Vec::new();
    for (r, ps) in records.iter().zip(&persons) {
        let ids: Vec<String> = match r.flag_evidence.get(EVIDENCE_PETITIONER_IDS) {
            Some(ids) => ids.clone(),
            None => vec![r.petitioner_id.clone().unwrap_or_default()],
        };
        for (k, p) in ps.iter().enumerate() {
            let item = format!("{}@{k}", r.id);
            truth_m.push((item.clone(), p.clone()));
            let pid = ids
                .get(k)
                .filter(|s| !s.is_empty())
                .cloned()
                .unwrap_or_else(|| item.clone());
            pred_m.push((item, pid));
        }
    }
    if std::env::var("XINFANG_DIAG").is_ok() {
        let tmap: HashMap<String, String> = truth_m.iter().cloned().collect();
        for c in clusters_by(pred_m.iter().map(|(a, b)| (a.clone(), b.clone()))) {
            let mut ts: Vec<&str> = c.iter().map(|i| tmap[i].as_str()).collect();
            ts.sort();
            ts.dedup();
            if ts.len() > 1 {
                eprintln!("  mixed cluster {c:?} truth {ts:?}");
            }
        }
    }
    let t = clusters_by(truth_m.into_iter());
    let p = clusters_by(pred_m.into_iter());
    let pw = metrics::pairwise_prf(&t, &p);
    let b3 = metrics::bcubed(&t, &p);
    eprintln!(
        "{} records ({} with their own text), {} mentions",
        records.len(),
        with_text,
        t.iter().map(Vec::len).sum::<usize>()
    );
    eprintln!("petitioners: pairwise P {:.4} R {:.4} F1 {:.4} ({} true pairs, {} predicted); B-cubed P {:.4} R {:.4} F1 {:.4}",
        pw.precision, pw.recall, pw.f1, pw.true_pairs, pw.predicted_pairs, b3.precision, b3.recall, b3.f1);
    let dt = clusters_by(
        records
            .iter()
            .zip(&dups)
            .map(|(r, d)| (r.id.clone(), d.clone())),
    );
    let dp = clusters_by(records.iter().map(|r| {
        (
            r.id.clone(),
            r.duplicate_of.clone().unwrap_or_else(|| r.id.clone()),
        )
    }));
    let d = metrics::pairwise_prf(&dt, &dp);
    eprintln!(
        "duplicates: pairwise P {:.4} R {:.4} F1 {:.4} ({} true pairs, {} predicted)",
        d.precision, d.recall, d.f1, d.true_pairs, d.predicted_pairs
    );
    if std::env::var("XINFANG_DIAG").is_ok() {
        let truth_of: HashMap<String, &str> = records
            .iter()
            .zip(&persons)
            .map(|(r, ps)| (r.id.clone(), ps[0].as_str()))
            .collect();
        for g in l.petitioner_groups() {
            for e in &g.evidence {
                if truth_of.get(&e.record) != truth_of.get(&e.linked_to) {
                    eprintln!(
                        "  false? {} ~ {} {:.1} {:?}",
                        e.record, e.linked_to, e.score, e.agreeing
                    );
                }
            }
        }
        for g in &dt {
            if g.len() > 1 {
                let preds: Vec<&str> = g
                    .iter()
                    .map(|id| {
                        records
                            .iter()
                            .find(|r| &r.id == id)
                            .unwrap()
                            .duplicate_of
                            .as_deref()
                            .unwrap_or("-")
                    })
                    .collect();
                eprintln!("  dup truth {:?} → {:?}", g, preds);
            }
        }
    }
}
