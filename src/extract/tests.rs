//! Whole-letter tests of [`Extractor`]: typed letters, Tesseract output, forwarded letters,
//! joint letters and ledger rows.

use super::place::tests::TEST_GAZETTEER;
use super::*;
use crate::ingest::text::clean_ocr;
use crate::record::{Format, IdStatus, Level, Place, Record};

fn extractor() -> Extractor {
    Extractor::new(Gazetteer::from_toml(TEST_GAZETTEER).unwrap())
}

fn letter(text: &str) -> Record {
    let mut r = Record {
        text: text.to_owned(),
        ..Default::default()
    };
    extractor().extract(&mut r);
    r
}

const TYPED: &str = "关于清溪县城关镇东关村征地补偿款未发放的反映\n尊敬的南川市信访局领导：\n    我叫王建国，男，1968年3月12日出生，是清溪县城关镇东关村村民，身份证号：11010519491231002X，联系电话：13935512345。2023年5月，县里修高速公路征用我村土地共计四十二亩，至今补偿款没有发到村民手中。村委会主任李明（电话13811112222）说钱已经用完了。我们全村三十二户村民多次找石桥乡和镇政府，没有结果。\n    恳请领导为我们做主。\n此致\n敬礼！\n                                   信访人：王建国\n                                   二〇二四年三月五日\n";

#[test]
fn typed_letter_all_fields() {
    let r = letter(TYPED);
    assert_eq!(
        r.title.as_deref(),
        Some("关于清溪县城关镇东关村征地补偿款未发放的反映")
    );
    assert_eq!(r.addressee_level, Some(Level::City));
    assert_eq!(r.date.as_deref(), Some("2024-03-05"));
    assert_eq!(r.petitioners.len(), 1);
    let p = &r.petitioners[0];
    assert_eq!(p.name.as_deref(), Some("王建国"));
    assert_eq!(p.id_number.as_deref(), Some("11010519491231002X"));
    assert_eq!(p.id_status, Some(IdStatus::Valid));
    assert_eq!(p.phone.as_deref(), Some("13935512345"));
    assert_eq!(p.birth.as_deref(), Some("1968-03-12"));
    assert_eq!(
        r.place,
        Place {
            county: Some("清溪县".into()),
            township: Some("城关镇".into()),
            village: Some("东关村".into())
        }
    );
    assert_eq!(r.headcount, Some(32));
    for f in [
        "title",
        "addressee_level",
        "date",
        "name",
        "id_number",
        "phone",
        "place",
        "headcount",
    ] {
        assert!(
            r.evidence.iter().any(|e| e.field == f && e.from == "text"),
            "evidence for {f}"
        );
    }
    assert!(r.flags.is_empty());
}

/// The same letter as Tesseract (chi_sim) read it from a 300 dpi render, with character spacing
/// and a damaged ID number.
const OCR: &str = "关于清沉县城关镇东关村征地补偿款未发放的反映\n尊 敬 的 南 川 市 信 访 局 领 导 :\n\n我 叫 王 建 国 , 男 , 1968 年 3 月 12 日 出 生 , 是 清 溪 县 城 关 镇 东 关 村 村 民 , 身 份 证 号 : 1]1010519491231002X ,\n联 系 电 话 : 139 3551 2345 。 2023 年 5 月 , 县 里 修 高 速 公 路 征 用 我 村 土 地\n共 计 四 十 二 亩 , 至 今 补 偿 款 没 有 发 到 村 民 手 中 。 我 们 全 村 三 十 二 户 村 民 多 次 找 镇 政 府 。\n\n- 2 -\n\n信 访 人 : 王 建 国\n二 〇 二 四 年 三 月 五 日\n";

#[test]
fn birth_dates_of_signers() {
    // One writer: the stated birth date is theirs; a relative's is not.
    let r = letter("我叫李秀兰，1958年出生，家住清溪县城关镇东关村。我父亲1931年出生，今年九十多岁。\n信访人：李秀兰\n2024年3月5日\n");
    assert_eq!(r.petitioners[0].birth.as_deref(), Some("1958"));
    // Joint letter: each signature row's own birth date, none for a row without one.
    let r = letter("我们是东关村村民，反映征地补偿问题。\n联名人：\n张国强 出生年月：1961年4月 电话13935512345\n刘桂芝 电话13811112222\n2024年3月5日\n");
    let births: Vec<Option<&str>> = r.petitioners.iter().map(|p| p.birth.as_deref()).collect();
    assert_eq!(births, [Some("1961-04"), None], "{:?}", r.petitioners);
}

#[test]
fn ocr_letter_after_clean_up() {
    let cleaned = clean_ocr(OCR);
    let r = letter(&cleaned);
    assert_eq!(r.addressee_level, Some(Level::City));
    assert_eq!(r.date.as_deref(), Some("2024-03-05"));
    let p = &r.petitioners[0];
    assert_eq!(p.name.as_deref(), Some("王建国"));
    assert_eq!(p.id_number.as_deref(), Some("11010519491231002X"));
    assert_eq!(p.id_status, Some(IdStatus::Valid));
    assert_eq!(p.phone.as_deref(), Some("13935512345"));
    assert_eq!(r.place.village.as_deref(), Some("东关村"));
    assert_eq!(r.headcount, Some(32));
    assert_eq!(r.flags, ["id_ocr_repaired"]);
    assert_eq!(
        r.flag_evidence["id_ocr_repaired"],
        ["1]1010519491231002X → 11010519491231002X"]
    );
}

const FORWARDED: &str = "南川市信访局\n转送单\n南信转〔2024〕12号\n清溪县信访局：\n    现将王建国等人来信转去，请按照有关规定办理。\n                                   2024年3月20日\n——————————————————\n致河南省信访局：\n    我们是清溪县石桥乡马庄村村民，共三十二户，对村干部私分征地补偿款的行为进行举报。代笔人：刘文 电话：13811112222\n签名：张三丰 李四海 王小二\n身份证号码：11010519491231002X\n联系电话：0371-6234567\n                                     2024年3月5日\n";

#[test]
fn forwarded_joint_letter() {
    let r = letter(FORWARDED);
    assert_eq!(
        r.addressee_level,
        Some(Level::Province),
        "the original letter's addressee"
    );
    assert_eq!(
        r.date.as_deref(),
        Some("2024-03-05"),
        "not the cover note's date"
    );
    let names: Vec<&str> = r
        .petitioners
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    assert_eq!(names, ["张三丰", "李四海", "王小二"]);
    assert_eq!(
        r.petitioners[0].phone.as_deref(),
        Some("0371-6234567"),
        "not the scribe's phone"
    );
    assert_eq!(
        r.petitioners[0].id_number.as_deref(),
        Some("11010519491231002X")
    );
    assert_eq!(r.headcount, Some(32));
    assert_eq!(
        r.place,
        Place {
            county: Some("清溪县".into()),
            township: Some("石桥乡".into()),
            village: Some("马庄村".into())
        }
    );
}

#[test]
fn forwarded_letter_without_salutation_takes_forwarding_level() {
    let t = "南川市信访局交办单\n清溪县信访局：现将来信交你局办理。\n2024年4月1日\n---\n我叫李秀英，家住城关镇南街社区，反映低保问题。\n2024年3月28日";
    let r = letter(t);
    assert_eq!(r.addressee_level, Some(Level::City));
    assert_eq!(r.date.as_deref(), Some("2024-03-28"));
    assert_eq!(r.petitioners[0].name.as_deref(), Some("李秀英"));
    assert_eq!(r.petitioners[0].address.as_deref(), Some("城关镇南街社区"));
    assert_eq!(r.place.township.as_deref(), Some("城关镇"));
    assert_eq!(r.headcount, Some(1));
}

#[test]
fn signature_table_rows_get_their_own_numbers() {
    let t = "尊敬的清溪县信访局领导：\n    我们是城关镇下岗职工，反映拖欠工资问题。\n联名人名单：\n1. 张三丰 11010519491231002X 13935512345\n2. 李四海 13811112222\n3. 王小二\n2024年3月5日";
    let r = letter(t);
    assert_eq!(r.addressee_level, Some(Level::County));
    let names: Vec<&str> = r
        .petitioners
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    assert_eq!(names, ["张三丰", "李四海", "王小二"]);
    assert_eq!(
        r.petitioners[0].id_number.as_deref(),
        Some("11010519491231002X")
    );
    assert_eq!(r.petitioners[0].phone.as_deref(), Some("13935512345"));
    assert_eq!(r.petitioners[1].phone.as_deref(), Some("13811112222"));
    assert_eq!(r.petitioners[2].phone, None);
    assert_eq!(r.headcount, Some(3));
}

#[test]
fn ledger_row_is_normalised_not_overwritten() {
    let mut r = Record {
        source: crate::record::Source {
            format: Some(Format::Sheet),
            ..Default::default()
        },
        date: Some("45356".into()),
        title: Some(" 反映征地补偿问题 ".into()),
        text: "反映城关镇东关村征地补偿款未发放，村民王某某多次上访。联系人电话13700001111".into(),
        petitioners: vec![Petitioner {
            name: Some("王建国".into()),
            id_number: Some("11010519491231002x ".into()),
            phone: Some("139 3551 2345".into()),
            address: Some("清溪县城关镇东关村".into()),
            ..Default::default()
        }],
        headcount: Some(3),
        ..Default::default()
    };
    r.evidence.push(FieldEvidence {
        field: "date".into(),
        from: "column:登记日期".into(),
        text: "45356".into(),
    });
    extractor().extract(&mut r);
    assert_eq!(r.date.as_deref(), Some("2024-03-05"));
    assert_eq!(r.title.as_deref(), Some("反映征地补偿问题"));
    let p = &r.petitioners[0];
    assert_eq!(p.name.as_deref(), Some("王建国"));
    assert_eq!(p.id_number.as_deref(), Some("11010519491231002X"));
    assert_eq!(p.id_status, Some(IdStatus::Valid));
    assert_eq!(p.phone.as_deref(), Some("13935512345"));
    assert_eq!(r.place.village.as_deref(), Some("东关村"));
    assert_eq!(r.headcount, Some(3));
    assert_eq!(r.evidence.iter().filter(|e| e.field == "date").count(), 1);
    assert_eq!(r.petitioners.len(), 1);
}

#[test]
fn damaged_ledger_values_are_kept_and_flagged() {
    let mut r = Record {
        date: Some("去年春天".into()),
        petitioners: vec![Petitioner {
            id_number: Some("4.11528196803124E+17".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    extractor().extract(&mut r);
    assert_eq!(r.date, None);
    assert_eq!(
        r.extra.get("日期(无法识别)").map(String::as_str),
        Some("去年春天")
    );
    assert_eq!(r.petitioners[0].id_status, Some(IdStatus::Invalid));
}

#[test]
fn empty_and_junk_text_do_not_panic() {
    for t in [
        "",
        "   ",
        "\n\n",
        "——",
        "1234567890123456789012345",
        "身份证：",
        "签名：",
        "我叫",
        "致",
        "𠀀",
    ] {
        let r = letter(t);
        let _ = r;
    }
}

#[test]
fn extractor_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Extractor>();
}

/// Signature block of a joint letter as Tesseract wrote it (corpus `来信扫描_0015`): specks
/// before lines (`”`, `.`), two surnames damaged (`印红梅`, `蔷改英`), one signer per line.
const OCR_JOINT: &str = "我们是白沙镇基计村6组的全体村民， 共22户68人。\n\n此致\n”敬礼\n\n反映人 (签字) :\n\n蒋庆华 (411521196004136858) 电话15841570807\n何改英 (411528196503271709)\n” 印红梅 (411528196604199283)\n张丽娟 (411528197004147847)\n蔷改英\n彭富贵 (411525195303079970)\n朱彩霞 (411528195701221548)\n. 孔春花\n\n薛合意\n\n2021年8月9日\n";

#[test]
fn ocr_signature_block_with_specks_and_unusual_surnames() {
    let r = letter(&clean_ocr(OCR_JOINT));
    let names: Vec<&str> = r
        .petitioners
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            "蒋庆华",
            "何改英",
            "印红梅",
            "张丽娟",
            "蔷改英",
            "彭富贵",
            "朱彩霞",
            "孔春花",
            "薛合意"
        ]
    );
    // The ID next to a damaged name stays with its signer.
    assert_eq!(
        r.petitioners[2].id_number.as_deref(),
        Some("411528196604199283")
    );
    assert_eq!(r.petitioners[4].id_number, None);
    // `共22户68人`: people, not households.
    assert_eq!(r.headcount, Some(68));
    assert_eq!(r.date.as_deref(), Some("2021-08-09"));
}

#[test]
fn ocr_damaged_signer_names() {
    // A speck inserted into a four-character name.
    let r = letter("签名：\n1. 谭慧人敏 158-7335-5134\n2. 朱强 13811112222\n");
    assert_eq!(r.petitioners[0].name.as_deref(), Some("谭慧敏"));
    // The signature is damaged, the self-introduction is not: same surname, same length.
    let r = letter("本人梁磊，男，汉族，1980年生。\n请领导做主。\n写信人：梁第\n2022/2/24\n");
    assert_eq!(r.petitioners.len(), 1);
    assert_eq!(r.petitioners[0].name.as_deref(), Some("梁磊"));
    // Field lines under a signature cue are not signers.
    let r = letter("信访人：\n王建国\n联系电话 13935512345\n代书人：刘文\n");
    let names: Vec<&str> = r
        .petitioners
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    assert_eq!(names, ["王建国"]);
}

#[test]
fn cover_note_cue_split_by_ocr_spaces() {
    let t = "国家信访局信访事项交 办单\n清溪县信访局：\n现将来信转交你们处理。\n二O二三年四月二十七日\n举报信\n致：国家信访局”\n我叫王建国，反映村干部问题。\n反映人：王建国\n2023年03月28日\n";
    let r = letter(&clean_ocr(t));
    assert_eq!(r.addressee_level, Some(Level::National));
    assert_eq!(r.date.as_deref(), Some("2023-03-28"));
}
