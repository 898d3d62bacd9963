//! Generated registration ledgers (信访登记台账) as CSV files, UTF-8 or GBK, 200 rows a file.
//!
//! Why: a real archive mixes letters with spreadsheet rows (visits, hotline tickets); the ledger
//! reader, the linker (a repeat petitioner's visit registered in a ledger) and the benchmark all
//! need them at scale. Two header layouts are used, as in the sample corpus: the bureau's own
//! register (with ID numbers) and a 12345 hotline export (no ID numbers).
//!
//! Must never: write xlsx (no xlsx writer crate; CSV is what the generator promises), or put a
//! value in truth that the row does not show.

use super::letter::{iso_date, write_date, Fill, World};
use super::people::{civil_from_days, person, random_name, rng_for, IdForm};
use super::plan::{date_first, date_span, draw_category};
use super::pools::{Part, Slot, CATEGORIES};
use super::{TruthLine, TruthPetitioner};
use crate::record::{IdStatus, Level};
use rand::Rng;

/// Data rows per ledger file.
pub const ROWS_PER_FILE: usize = 200;

/// The ledger's own category wording (问题类别), by category index.
const GIVEN_CATEGORY: [&[&str]; 15] = [
    &["国土资源", "征地拆迁", "城乡建设"],
    &["企业改制", "企业破产"],
    &["涉法涉诉", "政法"],
    &["劳动社保", "劳动保障"],
    &["民政优抚", "退役军人"],
    &["农村农业", "农村事务"],
    &["城乡建设", "住房保障"],
    &["环境保护", "生态环境"],
    &["纪检监察", "干部作风"],
    &["民政", "社会救助"],
    &["教育"],
    &["卫生健康", "医疗卫生"],
    &["交通运输"],
    &["商贸流通", "市场监管"],
    &["其他"],
];

const RESULTS: [&str; 14] = [
    "已转乡镇办理",
    "已答复",
    "已办结",
    "正在办理",
    "已转县人社局",
    "已转县法院",
    "已转自然资源局",
    "信访人表示满意",
    "不予受理，已告知",
    "已转县退役军人事务局",
    "已交办",
    "息诉罢访",
    "复查中",
    "",
];

/// Threat wording a clerk records in the summary (risk = true).
const RISK_SUFFIX: [&str; 4] = [
    "，扬言到县政府门口喝农药",
    "，称再不解决就集体进京上访",
    "，扬言堵路",
    "，称要到镇政府门口跳楼",
];

/// One ledger file: its file name (under `ledgers/`), bytes and truth lines (path filled in).
pub struct LedgerFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub truth: Vec<TruthLine>,
}

/// Make ledger file `f` (rows `f*200 ..`), as record indices `letters + r`.
pub fn ledger_file(world: &World, f: usize) -> Result<LedgerFile, csv::Error> {
    let plan = world.plan;
    let gaz = world.gaz;
    let mut rng = rng_for(world.seed, 0x4c45_4447, f as u64);
    let hotline = rng.random_bool(0.35);
    let gbk = rng.random_bool(world.gbk_share.clamp(0.0, 1.0));
    let name = if hotline {
        format!("12345热线转办台账_{f:04}.csv")
    } else {
        format!("信访登记台账_{f:04}.csv")
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if hotline {
        w.write_record([
            "工单号",
            "来电人",
            "联系电话",
            "地址",
            "登记日期",
            "反映问题",
            "分类",
            "人数",
            "答复意见",
        ])?;
    } else {
        w.write_record([
            "信访人",
            "身份证号码",
            "联系电话",
            "住址",
            "信访日期",
            "反映问题",
            "问题类别",
            "人数",
            "办理结果",
            "经办人",
        ])?;
    }
    let first = f * ROWS_PER_FILE;
    let last = (first + ROWS_PER_FILE).min(plan.ledger_rows);
    let mut truth = Vec::with_capacity(last - first);
    for r in first..last {
        let record = plan.letters + r;
        let mut rng = rng_for(world.seed, 0x524f_5757, r as u64);
        let repeat = plan
            .repeat_of
            .get(&record)
            .map(|&(k, o)| (&plan.persons[k as usize], o));
        let (category, secondary, township, village, day, matter_seed, p) = match repeat {
            Some((rp, o)) => {
                let (matter, _) = rp.matter(o);
                (
                    matter.category,
                    matter.secondary,
                    rp.township,
                    rp.village,
                    rp.days[o as usize],
                    matter.seed,
                    rp.p,
                )
            }
            None => {
                let (c, s) = draw_category(&mut rng);
                let t = rng.random_range(0..gaz.townships.len());
                let v = rng.random_range(0..gaz.townships[t].villages.len());
                (
                    c,
                    s,
                    t,
                    v,
                    date_first() + rng.random_range(0..date_span()),
                    rng.random(),
                    plan.ledger_person(r),
                )
            }
        };
        let who = person(world.seed, p);
        let ts = &gaz.townships[township];
        let (year, _, _) = civil_from_days(day);
        let mut fill = Fill::new(world, matter_seed, year, who.birth.0);
        fill.set(Slot::Township, ts.name.clone());
        fill.set(Slot::Village, ts.villages[village].clone());
        let mut summary = fill.expand(
            &world.pools.category(category, Part::Ledger)
                [rng.random_range(0..world.pools.category(category, Part::Ledger).len())],
            &mut rng,
        );
        let risk = rng.random_bool(0.04);
        if risk {
            summary.push_str(RISK_SUFFIX[rng.random_range(0..RISK_SUFFIX.len())]);
        }
        let group = repeat.is_none() && rng.random_bool(0.06);
        let headcount: u32 = if group { rng.random_range(5..60) } else { 1 };
        let written_name = if group {
            format!("{}等{headcount}人", who.name)
        } else {
            who.name.clone()
        };
        let phone = repeat
            .and_then(|(rp, o)| rp.phone_change_at.filter(|at| o >= *at))
            .map(|_| who.phone2.clone())
            .unwrap_or_else(|| who.phone.clone());
        let phone = if rng.random_bool(0.9) {
            Some(phone)
        } else {
            None
        };
        let (address, village_written) = match rng.random_range(0..10) {
            0..=3 => (format!("{}{}", ts.name, ts.villages[village]), true),
            4..=5 => (format!("{}{}", gaz.county, ts.name), false),
            6..=7 => (
                format!(
                    "{}{}{}{}{}",
                    gaz.province, gaz.city, gaz.county, ts.name, ts.villages[village]
                ),
                true,
            ),
            _ => (
                format!("{}{}{}", gaz.county, ts.name, ts.villages[village]),
                true,
            ),
        };
        let date_text = match rng.random_range(0..4) {
            0 => write_date(day, 9),
            1 => write_date(day, 7),
            2 => write_date(day, 8),
            _ => write_date(day, 0),
        };
        let given = GIVEN_CATEGORY[category][rng.random_range(0..GIVEN_CATEGORY[category].len())];
        let result = RESULTS[rng.random_range(0..RESULTS.len())];
        let id = if !hotline && rng.random_bool(0.75) {
            let status = match who.id_form {
                IdForm::Valid => IdStatus::Valid,
                IdForm::Legacy => IdStatus::Legacy,
                IdForm::Typo => IdStatus::Invalid,
            };
            Some((who.id_written.clone(), status))
        } else {
            None
        };
        let phone_cell = phone.clone().unwrap_or_default();
        if hotline {
            let ticket = format!(
                "QX{}{:04}",
                iso_date(day).replace('-', ""),
                rng.random_range(0..10_000)
            );
            w.write_record([
                ticket.as_str(),
                written_name.as_str(),
                phone_cell.as_str(),
                address.as_str(),
                date_text.as_str(),
                summary.as_str(),
                given,
                &headcount.to_string(),
                result,
            ])?;
        } else {
            let male = rng.random_bool(0.5);
            let clerk = random_name(&mut rng, male);
            w.write_record([
                written_name.as_str(),
                id.as_ref().map(|(n, _)| n.as_str()).unwrap_or(""),
                phone_cell.as_str(),
                address.as_str(),
                date_text.as_str(),
                summary.as_str(),
                given,
                &headcount.to_string(),
                result,
                clerk.as_str(),
            ])?;
        }
        truth.push(TruthLine {
            path: format!("ledgers/{name}"),
            format: "sheet".into(),
            sheet: None,
            row: Some((r - first + 2) as u32),
            petitioners: vec![TruthPetitioner {
                name: Some(who.name.clone()),
                id_status: id.as_ref().map(|(_, s)| *s),
                id_number: id.map(|(n, _)| n),
                phone,
            }],
            date: Some(iso_date(day)),
            headcount: Some(headcount),
            county: Some(gaz.county.clone()),
            township: Some(ts.name.clone()),
            village: if village_written {
                Some(ts.villages[village].clone())
            } else {
                None
            },
            addressee_level: Some(Level::County),
            title: None,
            category: Some(CATEGORIES[category].to_string()),
            secondary: secondary
                .map(|s| vec![CATEGORIES[s].to_string()])
                .unwrap_or_default(),
            collective: Some(headcount >= 5),
            skip_level: Some(false),
            risk: Some(risk),
            law_related: Some(
                CATEGORIES[category] == "legal"
                    || secondary.is_some_and(|s| CATEGORIES[s] == "legal"),
            ),
            forwarded: Some(false),
            person_ids: vec![format!("P{p}")],
            duplicate_group: None,
        });
    }
    let text = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    let bytes = if gbk {
        let s = String::from_utf8_lossy(&text);
        encoding_rs::GBK.encode(&s).0.into_owned()
    } else {
        text
    };
    Ok(LedgerFile { name, bytes, truth })
}
