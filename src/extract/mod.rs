//! Field extraction (要素提取): petitioners (name, ID number, phone, address), place, date,
//! headcount, addressee level and title, from a letter's text or a ledger row.
//!
//! Why it exists: clerks register every petition by these fields; linking repeat petitioners,
//! statistics and routing all depend on them. Letters state them in free text, ledgers in
//! columns with raw, inconsistent values; both end up in the same [`Record`] fields.
//!
//! Must never: overwrite a field a ledger column already filled (it is only normalised); take
//! a field from a forwarding cover note (转送单/交办单/转办函) for the letter's own; treat a
//! number that fails validation as a trusted ID; run slowly — extraction runs on every record
//! of million-letter archives, so all patterns are compiled once (statics and [`Extractor`])
//! and every scan is linear in the text.
//!
//! Data: the record's `text` (already cleaned by `ingest::text::clean_ocr` when it came from
//! OCR), the ledger's raw column values, and `data/gazetteer.toml` ([`Gazetteer`]). Every
//! field found is justified by a [`FieldEvidence`] (`from` = `text`, or `column` when a raw
//! column value was normalised and the ledger reader left no evidence of its own).

mod birth;
mod date;
mod headcount;
mod id_number;
mod level;
mod names;
mod phone;
mod place;
mod title;

pub use birth::parse_birth;
pub use date::{excel_serial_to_date, parse_date};
pub use id_number::{check_char as id_check_char, validate_id};
pub use names::is_person_name;
pub use place::{Gazetteer, Township};

use crate::record::{FieldEvidence, Level, Petitioner, Record};
use regex::Regex;
use std::sync::LazyLock;

/// Cover notes that a higher office puts on top of a forwarded letter.
const COVER_CUES: &[&str] = &[
    "转送单",
    "交办单",
    "转办函",
    "转办单",
    "交办函",
    "转送函",
    "转交单",
    "转办通知",
    "交办通知",
];

/// [`COVER_CUES`] with OCR spaces allowed between the characters (`交 办单`).
static COVER_CUE_RE: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives: Vec<String> = COVER_CUES
        .iter()
        .map(|c| {
            c.chars()
                .map(|ch| regex::escape(&ch.to_string()))
                .collect::<Vec<_>>()
                .join(r"[ \t\u{3000}]*")
        })
        .collect();
    Regex::new(&alternatives.join("|")).expect("cover cue regex")
});

static ADDRESS_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:家住|住址|现住址|现住|现居住地|居住地|家庭住址|地址)[：:]?\s*(?P<addr>[\p{Han}0-9A-Za-z\-－#号组栋单元室楼]{3,40})")
        .expect("address regex")
});

/// Extracts the fields of a record. Built once per run; `Send + Sync`, shared by all threads.
pub struct Extractor {
    gazetteer: Gazetteer,
    names: names::NameFinder,
    levels: level::LevelWords,
}

/// Where the letter itself starts when a cover note sits on top of it, and the cover's span.
fn split_cover(text: &str) -> (usize, Option<(usize, usize)>) {
    let head_end = text.char_indices().nth(400).map_or(text.len(), |(i, _)| i);
    let Some(cue_at) = COVER_CUE_RE.find(&text[..head_end]).map(|m| m.start()) else {
        return (0, None);
    };
    let mut offset = 0;
    let mut date_end = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if start <= cue_at {
            continue;
        }
        let t = line.trim();
        let sep = t.chars().count() >= 3
            && t.chars().all(|c| {
                matches!(
                    c,
                    '-' | '—' | '=' | '*' | '_' | '─' | '━' | '－' | '＝' | ' ' | '·'
                )
            });
        if sep {
            return (offset, Some((0, start)));
        }
        if date_end.is_none()
            && t.chars().count() <= 20
            && parse_date(t.trim_start_matches(['（', '('])).is_some()
        {
            date_end = Some(offset);
        }
    }
    match date_end {
        Some(e) => (e, Some((0, e))),
        None => (0, None),
    }
}

fn evidence(field: &str, from: &str, text: &str) -> FieldEvidence {
    FieldEvidence {
        field: field.to_owned(),
        from: from.to_owned(),
        text: text.trim().to_owned(),
    }
}

impl Extractor {
    pub fn new(gazetteer: Gazetteer) -> Self {
        let levels = level::LevelWords::new(&gazetteer);
        Extractor {
            gazetteer,
            names: names::NameFinder::new(),
            levels,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Fill every field of `record` that is still empty from `record.text`, and normalise the
    /// fields a ledger reader filled from columns (ID numbers validated, phones normalised,
    /// dates to ISO, address resolved to a place). Pushes a [`FieldEvidence`] per field found.
    pub fn extract(&self, record: &mut Record) {
        self.normalise_columns(record);
        let text = std::mem::take(&mut record.text);
        self.extract_from_text(record, &text);
        record.text = text;
    }

    fn has_column_evidence(record: &Record, field: &str) -> bool {
        record
            .evidence
            .iter()
            .any(|e| e.field == field && e.from.starts_with("column"))
    }

    /// Normalise raw column values of a ledger row.
    fn normalise_columns(&self, record: &mut Record) {
        if let Some(raw) = record.date.take() {
            let t = raw.trim();
            let parsed = parse_date(t).or_else(|| {
                let serial = t.parse::<f64>().ok()?;
                (serial >= 10_000.0)
                    .then(|| excel_serial_to_date(serial))
                    .flatten()
            });
            match parsed {
                Some(d) => {
                    record.date = Some(d.format("%Y-%m-%d").to_string());
                    if !Self::has_column_evidence(record, "date") {
                        record.evidence.push(evidence("date", "column", t));
                    }
                }
                None => {
                    record.extra.insert("日期(无法识别)".to_owned(), raw);
                }
            }
        }
        let mut new_evidence = Vec::new();
        for p in &mut record.petitioners {
            if let Some(raw) = p.id_number.take() {
                let t = raw.trim();
                if !t.is_empty() {
                    let (norm, status) = validate_id(t);
                    p.id_number = Some(norm);
                    p.id_status = Some(status);
                    new_evidence.push(evidence("id_number", "column", t));
                }
            }
            if let Some(raw) = p.phone.take() {
                let t = raw.trim();
                if !t.is_empty() {
                    // Keep an unrecognised value as written: the clerk sees it.
                    let norm = phone::find_phones(t, &[])
                        .into_iter()
                        .next()
                        .map(|h| h.number)
                        .or_else(|| phone::normalise_phone(t))
                        .unwrap_or_else(|| t.to_owned());
                    p.phone = Some(norm);
                    new_evidence.push(evidence("phone", "column", t));
                }
            }
            if let Some(n) = &p.name {
                let t = n.trim();
                p.name = (!t.is_empty()).then(|| t.to_owned());
            }
        }
        for e in new_evidence {
            if !Self::has_column_evidence(record, &e.field) {
                record.evidence.push(e);
            }
        }
        if record.place == Default::default() {
            let address = record.petitioners.first().and_then(|p| p.address.clone());
            if let Some(addr) = address {
                if let Some(found) = self.gazetteer.resolve(&addr) {
                    record.place = found.place;
                    record
                        .evidence
                        .push(evidence("place", "column", &found.text));
                }
            }
        }
        if let Some(t) = &record.title {
            let t = t.trim();
            record.title = (!t.is_empty()).then(|| t.to_owned());
        }
    }

    fn extract_from_text(&self, record: &mut Record, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let (body_start, cover) = split_cover(text);
        let body = &text[body_start..];

        // Numbers first: phones must not be read out of ID numbers.
        let ids = id_number::find_ids(body);
        let id_spans: Vec<(usize, usize)> = ids.iter().map(|h| (h.start, h.end)).collect();
        let phones = phone::find_phones(body, &id_spans);
        let name_hits = self.names.find(body);
        let births = birth::find_births(body);
        let mut used_births = vec![false; births.len()];

        // Petitioners.
        let mut used_ids = vec![false; ids.len()];
        let mut used_phones = vec![false; phones.len()];
        let fill_from_text = record.petitioners.is_empty();
        if fill_from_text {
            for h in &name_hits {
                let mut p = Petitioner {
                    name: Some(h.name.clone()),
                    ..Default::default()
                };
                record.evidence.push(evidence("name", "text", &h.name));
                if let Some((s, e)) = h.row_tail {
                    if let Some(i) = ids.iter().position(|x| x.start >= s && x.end <= e) {
                        used_ids[i] = true;
                        self.set_id(record, &mut p, &ids[i]);
                    }
                    if let Some(i) = births.iter().position(|x| x.start >= s && x.end <= e) {
                        used_births[i] = true;
                        Self::set_birth(record, &mut p, body, &births[i]);
                    }
                    if let Some(i) = phones.iter().position(|x| x.start >= s && x.end <= e) {
                        used_phones[i] = true;
                        p.phone = Some(phones[i].number.clone());
                        record
                            .evidence
                            .push(evidence("phone", "text", &phones[i].raw));
                    }
                }
                record.petitioners.push(p);
            }
        } else if let Some(first) = record.petitioners.first_mut() {
            if first.name.is_none() {
                if let Some(h) = name_hits.first() {
                    first.name = Some(h.name.clone());
                    record.evidence.push(evidence("name", "text", &h.name));
                }
            }
        }
        // The letter's own ID number and phone, stated once, belong to the first petitioner.
        let free_id = ids
            .iter()
            .enumerate()
            .find(|(i, _)| !used_ids[*i])
            .map(|(_, h)| h);
        let free_phone = phones
            .iter()
            .enumerate()
            .find(|(i, h)| !used_phones[*i] && !h.other_party)
            .map(|(_, h)| h);
        let address = ADDRESS_RE
            .captures(body)
            .and_then(|c| c.name("addr"))
            .map(|m| {
                // OCR can glue the next field on: cut at a contact cue.
                let a = m.as_str();
                let cut = ["电话", "联系", "身份", "手机", "-", "－"]
                    .iter()
                    .filter_map(|c| a.find(c))
                    .min()
                    .unwrap_or(a.len());
                a[..cut].to_owned()
            })
            .filter(|a| a.chars().count() >= 3);
        if (free_id.is_some() || free_phone.is_some() || address.is_some())
            && record.petitioners.is_empty()
        {
            record.petitioners.push(Petitioner::default());
        }
        if let Some(mut first) = record.petitioners.first().cloned() {
            if first.id_number.is_none() {
                if let Some(h) = free_id {
                    self.set_id(record, &mut first, h);
                }
            }
            if first.phone.is_none() {
                if let Some(h) = free_phone {
                    first.phone = Some(h.number.clone());
                    record.evidence.push(evidence("phone", "text", &h.raw));
                }
            }
            if first.address.is_none() {
                first.address = address;
            }
            // A birth date outside any signature row is the writer's only when one person wrote.
            let alone = record.petitioners.len() == 1;
            let free_birth = births.iter().zip(&used_births).find(|(_, used)| !**used);
            if let (true, None, Some((h, _))) = (alone, &first.birth, free_birth) {
                Self::set_birth(record, &mut first, body, h);
            }
            record.petitioners[0] = first;
        }

        // Place.
        if record.place == Default::default() {
            if let Some(found) = self.gazetteer.resolve(body) {
                record.place = found.place;
                record.evidence.push(evidence("place", "text", &found.text));
            }
        }

        // Date of the letter.
        if record.date.is_none() {
            if let Some(h) = date::letter_date(body, names::SIGNATURE_CUES) {
                record.date = Some(h.date.format("%Y-%m-%d").to_string());
                record
                    .evidence
                    .push(evidence("date", "text", &body[h.start..h.end]));
            }
        }

        // Addressee level: the letter's own salutation; for a forwarded letter without one, the
        // level of the office that forwarded it (the letter was received there).
        let addressee = level::addressee_line(body);
        if record.addressee_level.is_none() {
            let from_line = addressee
                .and_then(|(s, e)| Some((self.levels.level_of_line(&body[s..e])?, &body[s..e])));
            let from_cover = || {
                let (s, e) = cover?;
                let sender = text[s..e].lines().find(|l| !l.trim().is_empty())?;
                Some((self.levels.level_of_line(sender)?, sender))
            };
            if let Some((lvl, span)) = from_line.or_else(from_cover) {
                record.addressee_level = Some(lvl);
                record
                    .evidence
                    .push(evidence("addressee_level", "text", span));
            }
        }
        if record.addressee_level.is_none() {
            // Nothing names an addressee (a ledger row, a letter without salutation): the
            // petition was received by the office whose archive this is, a county office.
            record.addressee_level = Some(Level::County);
            record.evidence.push(evidence(
                "addressee_level",
                "default",
                "received by the county office",
            ));
        }

        // Title.
        if record.title.is_none() {
            if let Some((t, _, _)) = title::find_title(body, addressee.map(|a| a.0)) {
                record.evidence.push(evidence("title", "text", &t));
                record.title = Some(t);
            }
        }

        // Headcount.
        if record.headcount.is_none() {
            let stated = headcount::stated_count(body);
            let signers = record
                .petitioners
                .iter()
                .filter(|p| p.name.is_some())
                .count() as u32;
            match stated.best() {
                Some((n, src)) if *n >= signers => {
                    record.headcount = Some(*n);
                    record.evidence.push(evidence("headcount", "text", src));
                }
                _ if signers > 1 => {
                    record.headcount = Some(signers);
                    let names: Vec<&str> = record
                        .petitioners
                        .iter()
                        .filter_map(|p| p.name.as_deref())
                        .collect();
                    record
                        .evidence
                        .push(evidence("headcount", "text", &names.join("、")));
                }
                _ => record.headcount = Some(1),
            }
        }
    }

    fn set_birth(record: &mut Record, p: &mut Petitioner, body: &str, h: &birth::BirthHit) {
        p.birth = Some(h.birth.clone());
        record
            .evidence
            .push(evidence("birth", "text", &body[h.start..h.end]));
    }

    fn set_id(&self, record: &mut Record, p: &mut Petitioner, h: &id_number::IdHit) {
        p.id_number = Some(h.number.clone());
        p.id_status = Some(h.status);
        record.evidence.push(evidence("id_number", "text", &h.raw));
        if h.repaired {
            let flag = "id_ocr_repaired".to_owned();
            if !record.flags.contains(&flag) {
                record.flags.push(flag.clone());
            }
            record
                .flag_evidence
                .entry(flag)
                .or_default()
                .push(format!("{} → {}", h.raw, h.number));
        }
    }
}

#[cfg(test)]
mod tests;
