//! Quality against ground truth: what `xinfang evaluate`, the corpus tests and the benchmark's
//! quality check all report.
//!
//! Ground truth is a `truth.jsonl` file as written by `tools/corpus/make_corpus.py` and
//! `xinfang gen`: one object per expected record, keyed by `path` (+ `sheet`, `row`), with the
//! expected fields, categories, flags, `person_ids` (aligned with `petitioners`) and
//! `duplicate_group`. Records are matched to truth lines by that key; a truth line with no
//! record counts as missing.
//!
//! Definitions (the README's figures use them):
//! - field accuracy: per record, the *set* of values over all petitioners (names, ID numbers,
//!   phones) or the single value (date, headcount, township, addressee level) equals the truth;
//! - categories: top-1 accuracy of the primary category and macro-F1 over the truth classes;
//! - flags: precision and recall per flag over records;
//! - petitioners: pairwise and B-cubed precision/recall over petitioner *mentions* (each truth
//!   petitioner of each record), predicted clusters from the linked ids of the extracted
//!   petitioner with the same name (a mention whose name was not extracted is a singleton);
//! - duplicates: pairwise precision/recall of "same letter" over records;
//! - repeat petitions (重复信访): precision and recall of the `repeat` flag over records. The truth
//!   calls a record a repeat when a person it names has an earlier record on the same matter (the
//!   truth's primary category): earlier by date, undated last, and within one date by record id —
//!   the order the linker uses, since the truth gives none among copies sent the same day. Records
//!   whose truth names no category (matter unknown) are left out.

use crate::link::metrics::{bcubed, pairwise_prf, Prf};
use crate::record::Record;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

/// Fields whose accuracy is measured.
pub const FIELDS: [&str; 7] = [
    "id_number",
    "phone",
    "petitioner_name",
    "date",
    "headcount",
    "township",
    "addressee_level",
];
/// Flags whose precision and recall are measured.
pub const FLAGS: [&str; 5] = [
    "collective",
    "skip_level",
    "risk",
    "law_related",
    "forwarded",
];

/// Correct and total counts.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Count {
    pub correct: usize,
    pub total: usize,
}

impl Count {
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
    fn add(&mut self, ok: bool) {
        self.correct += usize::from(ok);
        self.total += 1;
    }
}

/// Per-value counts of a multi-valued field (names, ID numbers, phones over all petitioners).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct ValueCount {
    /// Values both extracted and in the truth.
    pub correct: usize,
    pub extracted: usize,
    pub truth: usize,
}

impl ValueCount {
    pub fn precision(&self) -> f64 {
        if self.extracted == 0 {
            1.0
        } else {
            self.correct as f64 / self.extracted as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.correct as f64 / self.truth as f64
        }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Precision and recall of a yes/no decision.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct FlagScore {
    pub precision: f64,
    pub recall: f64,
    /// Records where the truth says yes.
    pub positives: usize,
}

/// Precision, recall and F1 of pairs or B-cubed.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl From<Prf> for Score {
    fn from(p: Prf) -> Score {
        Score {
            precision: p.precision,
            recall: p.recall,
            f1: p.f1,
        }
    }
}

/// Everything measured against a truth file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub truth_records: usize,
    pub missing: Vec<String>,
    /// Per field, records whose value (or set of values) is exactly right: all records,
    /// typed/clean records, OCR'd records.
    pub fields: BTreeMap<String, [Count; 3]>,
    /// Per multi-valued field, value by value: all, clean, OCR'd.
    pub values: BTreeMap<String, [ValueCount; 3]>,
    pub category_top1: f64,
    pub category_macro_f1: f64,
    pub category_f1: BTreeMap<String, f64>,
    pub flags: BTreeMap<String, FlagScore>,
    pub petitioner_pairwise: Score,
    pub petitioner_bcubed: Score,
    pub duplicate_pairwise: Score,
    /// The `repeat` flag against the truth's repeat petitions (see the module docs).
    pub repeat_petitions: FlagScore,
    /// `field (path, sheet, row)` for every wrong field, for a reader to inspect.
    pub misses: Vec<String>,
}

/// What matches a record to a truth line: path, sheet, row.
pub type Key = (String, Option<String>, Option<u64>);

/// The key of a truth line.
pub fn truth_key(t: &Value) -> Key {
    (
        t["path"].as_str().unwrap_or_default().to_string(),
        t["sheet"].as_str().map(str::to_string),
        t["row"].as_u64(),
    )
}

/// The key of a record.
pub fn record_key(r: &Record) -> Key {
    (
        r.source.path.clone(),
        r.source.sheet.clone(),
        r.source.row.map(u64::from),
    )
}

fn truth_set(t: &Value, field: &str) -> BTreeSet<String> {
    t["petitioners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p[field].as_str().map(str::to_string))
        .collect()
}

type Getter = fn(&crate::record::Petitioner) -> Option<&String>;

/// Multi-valued fields: report name, truth key, getter.
const MULTI_VALUED: [(&str, &str, Getter); 3] = [
    ("petitioner_name", "name", |p| p.name.as_ref()),
    ("id_number", "id_number", |p| p.id_number.as_ref()),
    ("phone", "phone", |p| p.phone.as_ref()),
];

/// Per-field comparison of one record with its truth line.
pub fn compare_fields(t: &Value, r: &Record) -> [(&'static str, bool); 7] {
    let set = |f: fn(&crate::record::Petitioner) -> Option<&String>| -> BTreeSet<String> {
        r.petitioners.iter().filter_map(f).cloned().collect()
    };
    [
        (
            "id_number",
            set(|p| p.id_number.as_ref()) == truth_set(t, "id_number"),
        ),
        ("phone", set(|p| p.phone.as_ref()) == truth_set(t, "phone")),
        (
            "petitioner_name",
            set(|p| p.name.as_ref()) == truth_set(t, "name"),
        ),
        ("date", r.date.as_deref() == t["date"].as_str()),
        (
            "headcount",
            r.headcount.map(u64::from) == t["headcount"].as_u64(),
        ),
        (
            "township",
            r.place.township.as_deref() == t["township"].as_str(),
        ),
        (
            "addressee_level",
            r.addressee_level.map(|l| l.as_str()) == t["addressee_level"].as_str(),
        ),
    ]
}

fn flag_score(pairs: &[(bool, bool)]) -> FlagScore {
    let count = |want: (bool, bool)| pairs.iter().filter(|&&p| p == want).count() as f64;
    let (tp, fp, fneg) = (
        count((true, true)),
        count((false, true)),
        count((true, false)),
    );
    FlagScore {
        precision: if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 },
        recall: if tp + fneg > 0.0 {
            tp / (tp + fneg)
        } else {
            1.0
        },
        positives: pairs.iter().filter(|p| p.0).count(),
    }
}

/// Measure `records` against the truth lines.
pub fn evaluate(truth: &[Value], records: &[Record]) -> Report {
    let mut e = Evaluation::default();
    for t in truth {
        e.add_truth(truth_key(t), t.to_string());
    }
    for r in records {
        e.add_record(r);
    }
    e.finish()
}

/// An evaluation in progress: truth lines are held as their JSON text (parsed only when their
/// record arrives), records are measured one at a time as they stream out of the index, and only
/// counts and small integer cluster labels are kept — a million-record archive is evaluated in a
/// few hundred megabytes, not by holding every record in memory.
#[derive(Default)]
pub struct Evaluation {
    truth: HashMap<Key, String>,
    truth_records: usize,
    report: Report,
    /// (truth category, predicted primary category) → records.
    confusion: HashMap<(String, String), usize>,
    flags: BTreeMap<&'static str, Vec<(bool, bool)>>,
    /// Petitioner mentions (numbered as they are met) by truth person and by predicted id.
    truth_people: HashMap<String, Vec<u32>>,
    pred_people: HashMap<String, Vec<u32>>,
    mentions: u32,
    /// Records (numbered as they are met) by truth duplicate group and by predicted group.
    truth_dups: HashMap<String, Vec<u32>>,
    pred_dups: HashMap<String, Vec<u32>>,
    records: u32,
    /// Each record of a known matter once per truth person it names, as [`MatterRow`]s.
    matter_rows: Vec<MatterRow>,
    /// Whether each of those records (numbered as they are met) carries the `repeat` flag.
    flagged_repeat: Vec<bool>,
}

/// A record's place in the time order of one (truth person, category): the pair's hash (no
/// strings kept: a million-record archive has about as many pairs), the date as `YYYYMMDD`
/// (`u32::MAX` when undated, so last), the record id (the linker's order within a date), and
/// the record's number.
type MatterRow = (u64, u32, Box<str>, u32);

/// `YYYY-MM-DD` as the number `YYYYMMDD`, which sorts as the dates do.
fn date_key(date: Option<&str>) -> u32 {
    date.and_then(|d| {
        let digits: String = d.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 8).then(|| digits.parse().ok()).flatten()
    })
    .unwrap_or(u32::MAX)
}

/// The key fields of a truth line, read without parsing the rest.
#[derive(serde::Deserialize)]
struct TruthKey {
    path: String,
    sheet: Option<String>,
    row: Option<u64>,
}

impl Evaluation {
    /// Adds one line of a truth file; `prefix` is put before its path (the archive's location
    /// as given to `ingest`).
    pub fn add_truth_line(&mut self, line: &str, prefix: &str) -> serde_json::Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let k: TruthKey = serde_json::from_str(line)?;
        self.add_truth(
            (format!("{prefix}{}", k.path), k.sheet, k.row),
            line.to_owned(),
        );
        Ok(())
    }

    fn add_truth(&mut self, key: Key, line: String) {
        self.truth_records += 1;
        self.truth.insert(key, line);
    }

    /// Measures one record against its truth line (a record without one is not counted).
    pub fn add_record(&mut self, r: &Record) {
        let key = record_key(r);
        let Some(line) = self.truth.remove(&key) else {
            return;
        };
        let Ok(t) = serde_json::from_str::<Value>(&line) else {
            self.report
                .missing
                .push(format!("{key:?} (truth line unreadable)"));
            return;
        };
        let report = &mut self.report;
        let ocr = t["format"] == "ocr";
        for (field, truth_field, get) in MULTI_VALUED {
            let extracted: BTreeSet<String> =
                r.petitioners.iter().filter_map(get).cloned().collect();
            let expected = truth_set(&t, truth_field);
            let counts = report.values.entry(field.to_string()).or_default();
            for part in [0, if ocr { 2 } else { 1 }] {
                counts[part].correct += extracted.intersection(&expected).count();
                counts[part].extracted += extracted.len();
                counts[part].truth += expected.len();
            }
        }
        for (field, ok) in compare_fields(&t, r) {
            let counts = report.fields.entry(field.to_string()).or_default();
            counts[0].add(ok);
            counts[if ocr { 2 } else { 1 }].add(ok);
            if !ok {
                report.misses.push(format!("{field} {key:?}"));
            }
        }
        if let Some(category) = t["category"].as_str() {
            let primary = r.categories.first().map_or("other", |c| c.code.as_str());
            *self
                .confusion
                .entry((category.to_string(), primary.to_string()))
                .or_default() += 1;
        }
        for flag in FLAGS {
            if let Some(truth) = t[flag].as_bool() {
                self.flags
                    .entry(flag)
                    .or_default()
                    .push((truth, r.flags.iter().any(|f| f == flag)));
            }
        }
        // Petitioner mentions.
        let pids: Vec<String> = match r.flag_evidence.get(crate::link::EVIDENCE_PETITIONER_IDS) {
            Some(ids) => ids.clone(),
            None => r.petitioner_id.clone().into_iter().collect(),
        };
        let persons = t["person_ids"].as_array().cloned().unwrap_or_default();
        let petitioners = t["petitioners"].as_array().cloned().unwrap_or_default();
        for (i, (p, person)) in petitioners.iter().zip(&persons).enumerate() {
            let mention = self.mentions;
            self.mentions += 1;
            self.truth_people
                .entry(person.as_str().unwrap_or_default().to_string())
                .or_default()
                .push(mention);
            let name = p["name"].as_str();
            // The k-th truth petitioner of a name is the k-th extracted one (two co-signers
            // may share a name).
            let k = petitioners[..i]
                .iter()
                .filter(|q| name.is_some() && q["name"].as_str() == name)
                .count();
            let pid = r
                .petitioners
                .iter()
                .enumerate()
                .filter(|(_, x)| name.is_some() && x.name.as_deref() == name)
                .nth(k)
                .map(|(j, _)| j)
                .and_then(|k| pids.get(k))
                .filter(|s| !s.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("unlinked:{mention}"));
            self.pred_people.entry(pid).or_default().push(mention);
        }
        // Repeat petitions, where the truth names the matter (a generated archive's PDFs are
        // copies the truth says nothing about).
        if let Some(category) = t["category"].as_str() {
            let m = self.flagged_repeat.len() as u32;
            let day = date_key(t["date"].as_str());
            let people: BTreeSet<&str> = persons.iter().filter_map(Value::as_str).collect();
            for person in people {
                let mut h = std::hash::DefaultHasher::new();
                (person, category).hash(&mut h);
                self.matter_rows
                    .push((h.finish(), day, r.id.as_str().into(), m));
            }
            self.flagged_repeat
                .push(r.flags.iter().any(|f| f == crate::link::FLAG_REPEAT));
        }
        // Duplicate groups.
        let n = self.records;
        self.records += 1;
        let group = t["duplicate_group"]
            .as_str()
            .map_or_else(|| format!("single:{}", r.id), str::to_string);
        self.truth_dups.entry(group).or_default().push(n);
        let root = r.duplicate_of.clone().unwrap_or_else(|| r.id.clone());
        self.pred_dups.entry(root).or_default().push(n);
    }

    /// The report: truth lines no record matched are `missing`.
    pub fn finish(self) -> Report {
        let mut report = self.report;
        report.truth_records = self.truth_records;
        let mut missing: Vec<String> = self.truth.keys().map(|k| format!("{k:?}")).collect();
        missing.sort();
        report.missing.extend(missing);
        let n = self.confusion.values().sum::<usize>().max(1) as f64;
        let right: usize = self
            .confusion
            .iter()
            .filter(|((t, p), _)| t == p)
            .map(|(_, c)| c)
            .sum();
        report.category_top1 = right as f64 / n;
        let classes: BTreeSet<&String> = self.confusion.keys().map(|(t, _)| t).collect();
        for class in classes {
            let count = |f: &dyn Fn(&String, &String) -> bool| -> f64 {
                self.confusion
                    .iter()
                    .filter(|((t, p), _)| f(t, p))
                    .map(|(_, c)| *c as f64)
                    .sum()
            };
            let tp = count(&|t, p| t == class && p == class);
            let predicted = count(&|_, p| p == class);
            let actual = count(&|t, _| t == class);
            let f1 = if predicted + actual > 0.0 {
                2.0 * tp / (predicted + actual)
            } else {
                0.0
            };
            report.category_f1.insert(class.clone(), f1);
        }
        report.category_macro_f1 =
            report.category_f1.values().sum::<f64>() / report.category_f1.len().max(1) as f64;
        report.flags = self
            .flags
            .into_iter()
            .map(|(f, pairs)| (f.to_string(), flag_score(&pairs)))
            .collect();
        let truth_people: Vec<Vec<u32>> = self.truth_people.into_values().collect();
        let pred_people: Vec<Vec<u32>> = self.pred_people.into_values().collect();
        report.petitioner_pairwise = pairwise_prf(&truth_people, &pred_people).into();
        report.petitioner_bcubed = bcubed(&truth_people, &pred_people).into();
        let truth_dups: Vec<Vec<u32>> = self.truth_dups.into_values().collect();
        let pred_dups: Vec<Vec<u32>> = self.pred_dups.into_values().collect();
        report.duplicate_pairwise = pairwise_prf(&truth_dups, &pred_dups).into();
        let mut repeat = vec![false; self.flagged_repeat.len()];
        let mut rows = self.matter_rows;
        rows.sort_unstable();
        for pair in rows.windows(2) {
            if pair[0].0 == pair[1].0 {
                repeat[pair[1].3 as usize] = true;
            }
        }
        let pairs: Vec<(bool, bool)> = repeat.into_iter().zip(self.flagged_repeat).collect();
        report.repeat_petitions = flag_score(&pairs);
        report
    }
}

impl Report {
    /// The report as the text tables of the README.
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "records: {} in truth, {} missing\n\n{:16} {:>17} {:>17} {:>17}\n",
            self.truth_records,
            self.missing.len(),
            "record exact",
            "all",
            "clean",
            "ocr"
        );
        let cell = |rate: f64, n: usize| match n {
            0 => format!(" {:>17}", "-"),
            n => format!(" {:>7.1}% ({n:>6})", 100.0 * rate),
        };
        for (field, counts) in &self.fields {
            s.push_str(&format!("{field:16}"));
            for c in counts {
                s.push_str(&cell(c.rate(), c.total));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "\n{:16} {:>17} {:>17} {:>17}\n",
            "value F1", "all", "clean", "ocr"
        ));
        for (field, counts) in &self.values {
            s.push_str(&format!("{field:16}"));
            for c in counts {
                s.push_str(&cell(c.f1(), c.truth));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "\ncategories: top-1 {:.3}, macro-F1 {:.3}\n",
            self.category_top1, self.category_macro_f1
        ));
        for (f, score) in &self.flags {
            s.push_str(&format!(
                "flag {f:12} precision {:.3} recall {:.3} ({} true)\n",
                score.precision, score.recall, score.positives
            ));
        }
        let prf = |p: &Score| format!("P {:.3} R {:.3} F1 {:.3}", p.precision, p.recall, p.f1);
        s.push_str(&format!(
            "\npetitioners pairwise {}\npetitioners B-cubed  {}\nduplicates pairwise  {}\n",
            prf(&self.petitioner_pairwise),
            prf(&self.petitioner_bcubed),
            prf(&self.duplicate_pairwise)
        ));
        s.push_str(&format!(
            "repeat petitions     P {:.3} R {:.3} ({} true)\n",
            self.repeat_petitions.precision,
            self.repeat_petitions.recall,
            self.repeat_petitions.positives
        ));
        s
    }
}

/// Read a truth file.
pub fn read_truth(path: &std::path::Path) -> std::io::Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(std::io::Error::other))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Category, Petitioner, Source};

    fn record(path: &str, name: &str, pid: &str, category: &str, dup_of: Option<&str>) -> Record {
        Record {
            id: path.replace('/', "_"),
            source: Source {
                path: format!("/archive/{path}"),
                ..Default::default()
            },
            petitioners: vec![Petitioner {
                name: Some(name.into()),
                ..Default::default()
            }],
            categories: vec![Category {
                code: category.into(),
                ..Default::default()
            }],
            petitioner_id: Some(pid.into()),
            duplicate_of: dup_of.map(str::to_string),
            ..Default::default()
        }
    }

    fn line(path: &str, name: &str, person: &str, category: &str, group: Option<&str>) -> String {
        serde_json::json!({
            "path": path, "sheet": null, "row": null, "format": "text",
            "petitioners": [{"name": name}], "person_ids": [person],
            "category": category, "duplicate_group": group, "risk": false,
        })
        .to_string()
    }

    #[test]
    fn streamed_evaluation_counts_links_categories_and_missing_lines() {
        let mut e = Evaluation::default();
        for l in [
            line("a.txt", "王芳", "P1", "land", Some("D1")),
            line("b.txt", "王芳", "P1", "land", Some("D1")),
            line("c.txt", "李强", "P2", "labor", None),
            line("d.txt", "赵六", "P3", "labor", None),
        ] {
            e.add_truth_line(&l, "/archive/").unwrap();
        }
        e.add_record(&record("a.txt", "王芳", "PA", "land", None));
        // Linked to a's petitioner; a duplicate of a; classified wrongly.
        e.add_record(&record("b.txt", "王芳", "PA", "labor", Some("a.txt")));
        // Wrongly linked to the same petitioner.
        e.add_record(&record("c.txt", "李强", "PA", "labor", None));
        // Not in the truth: ignored.
        e.add_record(&record("x.txt", "某某", "PX", "land", None));
        let r = e.finish();
        assert_eq!(r.truth_records, 4);
        assert_eq!(
            r.missing,
            [format!(
                "{:?}",
                ("/archive/d.txt", None::<String>, None::<u64>)
            )]
        );
        // Pairs: truth {a,b}; predicted {a,b}, {a,c}, {b,c}.
        assert_eq!(r.petitioner_pairwise.precision, 1.0 / 3.0);
        assert_eq!(r.petitioner_pairwise.recall, 1.0);
        assert_eq!(r.duplicate_pairwise.precision, 1.0);
        assert_eq!(r.duplicate_pairwise.recall, 1.0);
        assert_eq!(r.category_top1, 2.0 / 3.0);
        // land: tp 1, predicted 1, actual 2 → F1 2/3; labor: tp 1, predicted 2, actual 1.
        assert!((r.category_f1["land"] - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.category_f1["labor"] - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.flags["risk"].precision, 1.0);
    }

    #[test]
    fn repeat_petitions_follow_each_persons_matter_in_time_order() {
        let mut e = Evaluation::default();
        for (path, person, category, date) in [
            ("x1.txt", "P1", "land", "2021-01-01"),
            ("x2.txt", "P1", "land", "2021-03-01"),
            ("x3.txt", "P1", "labor", "2021-05-01"),
            ("x4.txt", "P2", "land", "2021-02-01"),
            // Two copies of one day: the truth gives no order, the record ids do (x5 < x6).
            ("x6.txt", "P3", "land", "2021-06-01"),
            ("x5.txt", "P3", "land", "2021-06-01"),
        ] {
            let line = serde_json::json!({
                "path": path, "sheet": null, "row": null, "format": "text", "date": date,
                "petitioners": [{"name": "王芳"}], "person_ids": [person], "category": category,
            });
            e.add_truth_line(&line.to_string(), "/archive/").unwrap();
        }
        // A copy whose truth names no matter: left out, whatever its flag.
        let unknown = serde_json::json!({
            "path": "x7.txt", "sheet": null, "row": null, "format": "pdf", "date": null,
            "petitioners": [], "person_ids": [], "category": null,
        });
        e.add_truth_line(&unknown.to_string(), "/archive/").unwrap();
        for (path, flagged) in [
            ("x7.txt", true),
            ("x1.txt", false),
            ("x2.txt", true),  // right: P1's second letter on land
            ("x3.txt", true),  // wrong: P1's first letter on labour
            ("x4.txt", false), // right: P2's first letter
            ("x5.txt", false), // right: the earlier id of the two copies
            ("x6.txt", false), // missed
        ] {
            let mut r = record(path, "王芳", "PA", "land", None);
            if flagged {
                r.flags.push(crate::link::FLAG_REPEAT.to_string());
            }
            e.add_record(&r);
        }
        let r = e.finish().repeat_petitions;
        assert_eq!(r.positives, 2);
        assert_eq!(r.precision, 0.5);
        assert_eq!(r.recall, 0.5);
    }

    #[test]
    fn a_bad_truth_line_is_an_error() {
        let mut e = Evaluation::default();
        assert!(e.add_truth_line("{not json", "").is_err());
        assert!(e.add_truth_line("   ", "").is_ok());
    }
}
