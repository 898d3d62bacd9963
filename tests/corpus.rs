//! End-to-end tests on the sample archive `corpus/`: ingest it once, then check every extracted
//! field against `corpus/truth.jsonl`, the per-file outcomes, re-ingest idempotence and search.
//!
//! The accuracy table printed by `field_accuracy_meets_targets` (run with `--nocapture`) is the
//! one reported in the README.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use xinfang::config::Config;
use xinfang::engine::Engine;
use xinfang::pipeline::{ingest, IngestOptions, IngestSummary, Quiet};
use xinfang::record::Record;
use xinfang::search::{search, Filters, SearchRequest};
use xinfang::store::Store;

struct Ingested {
    dir: PathBuf,
    engine: Engine,
    summary: IngestSummary,
    records: Vec<Record>,
}

fn corpus() -> &'static Ingested {
    static ONCE: OnceLock<Ingested> = OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let engine = Engine::new(&Config::load(None).unwrap(), None).unwrap();
        let summary = ingest(
            &engine,
            &[PathBuf::from("corpus")],
            &IngestOptions::new(dir.clone()),
            &Quiet,
        )
        .unwrap();
        let store = Store::open(&dir, &engine.segmenter).unwrap();
        let mut records = Vec::new();
        xinfang::export::for_each_record(&store, |r| {
            records.push(r.clone());
            Ok(())
        })
        .unwrap();
        Ingested {
            dir,
            engine,
            summary,
            records,
        }
    })
}

fn truth() -> Vec<Value> {
    std::fs::read_to_string("corpus/truth.jsonl")
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

type Key = (String, Option<String>, Option<u64>);

fn truth_key(t: &Value) -> Key {
    (
        t["path"].as_str().unwrap().to_string(),
        t["sheet"].as_str().map(str::to_string),
        t["row"].as_u64(),
    )
}

fn record_key(r: &Record) -> Key {
    (
        r.source.path.clone(),
        r.source.sheet.clone(),
        r.source.row.map(u64::from),
    )
}

fn strs(v: &Value, field: &str) -> BTreeSet<String> {
    v["petitioners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p[field].as_str().map(str::to_string))
        .collect()
}

/// Per-field comparison of one record with its truth line.
fn compare(t: &Value, r: &Record) -> BTreeMap<&'static str, bool> {
    let mut m = BTreeMap::new();
    let ids: BTreeSet<String> = r
        .petitioners
        .iter()
        .filter_map(|p| p.id_number.clone())
        .collect();
    m.insert("id_number", ids == strs(t, "id_number"));
    let phones: BTreeSet<String> = r
        .petitioners
        .iter()
        .filter_map(|p| p.phone.clone())
        .collect();
    m.insert("phone", phones == strs(t, "phone"));
    let names: BTreeSet<String> = r
        .petitioners
        .iter()
        .filter_map(|p| p.name.clone())
        .collect();
    m.insert("petitioner_name", names == strs(t, "name"));
    m.insert("date", r.date.as_deref() == t["date"].as_str());
    m.insert(
        "headcount",
        r.headcount.map(u64::from) == t["headcount"].as_u64(),
    );
    m.insert(
        "township",
        r.place.township.as_deref() == t["township"].as_str(),
    );
    m.insert(
        "addressee_level",
        r.addressee_level.map(|l| l.as_str()) == t["addressee_level"].as_str(),
    );
    m
}

#[test]
fn every_truth_record_is_ingested_once() {
    let c = corpus();
    let mut by_key: HashMap<Key, usize> = HashMap::new();
    for r in &c.records {
        *by_key.entry(record_key(r)).or_default() += 1;
    }
    let missing: Vec<Key> = truth()
        .iter()
        .map(truth_key)
        .filter(|k| !by_key.contains_key(k))
        .collect();
    assert!(missing.is_empty(), "records not ingested: {missing:?}");
    assert!(
        by_key.values().all(|&n| n == 1),
        "a record was indexed twice"
    );
    assert!(
        c.records.len() >= 200,
        "corpus has {} records",
        c.records.len()
    );
}

#[test]
fn field_accuracy_meets_targets() {
    let c = corpus();
    let by_key: HashMap<Key, &Record> = c.records.iter().map(|r| (record_key(r), r)).collect();
    let mut all: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut ocr: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut clean: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses: Vec<String> = Vec::new();
    for t in truth() {
        let Some(r) = by_key.get(&truth_key(&t)) else {
            continue;
        };
        let is_ocr = t["format"] == "ocr";
        for (field, ok) in compare(&t, r) {
            for table in [
                Some(&mut all),
                is_ocr.then_some(&mut ocr),
                (!is_ocr).then_some(&mut clean),
            ]
            .into_iter()
            .flatten()
            {
                let e = table.entry(field).or_default();
                e.0 += usize::from(ok);
                e.1 += 1;
            }
            if !ok && misses.len() < 400 {
                misses.push(format!("{field} {:?}", truth_key(&t)));
            }
        }
    }
    println!("field            all        clean      ocr");
    let pct = |t: &BTreeMap<&str, (usize, usize)>, f: &str| {
        t.get(f)
            .map(|&(ok, n)| format!("{:6.1}% ({n})", 100.0 * ok as f64 / n.max(1) as f64))
            .unwrap_or_else(|| "-".into())
    };
    for field in all.keys() {
        println!(
            "{field:16} {} {} {}",
            pct(&all, field),
            pct(&clean, field),
            pct(&ocr, field)
        );
    }
    for m in &misses {
        println!("miss: {m}");
    }
    let rate = |t: &BTreeMap<&str, (usize, usize)>, f: &str| {
        t.get(f).map_or(1.0, |&(ok, n)| ok as f64 / n.max(1) as f64)
    };
    for field in ["id_number", "phone"] {
        assert!(rate(&clean, field) >= 0.99, "{field} on clean text");
    }
    for field in [
        "date",
        "headcount",
        "township",
        "petitioner_name",
        "addressee_level",
    ] {
        assert!(rate(&clean, field) >= 0.97, "{field} on clean text");
    }
    for field in all.keys() {
        assert!(rate(&ocr, field) >= 0.90, "{field} on OCR text");
    }
}

#[test]
fn broken_files_fail_with_a_reason_and_the_rest_lands() {
    let c = corpus();
    let failed: Vec<&str> = c.summary.failed.iter().map(|f| f.path.as_str()).collect();
    for entry in std::fs::read_dir("corpus/broken").unwrap() {
        let path = entry.unwrap().path();
        let shown = path.display().to_string();
        let issue = c
            .summary
            .failed
            .iter()
            .chain(&c.summary.skipped)
            .find(|f| f.path == shown);
        match issue {
            Some(issue) => assert!(!issue.reason.is_empty()),
            // A scanned page saved as an image under a wrong name is still a letter: it may be
            // read by OCR, but only as such.
            None => {
                assert!(c.records.iter().any(|r| r.source.path == shown
                    && r.source.format == Some(xinfang::record::Format::Ocr)))
            }
        }
    }
    assert!(failed
        .iter()
        .all(|p| p.contains("broken") || p.contains("scan")));
    let log = std::fs::read_to_string(c.dir.join("failures.log")).unwrap();
    for f in &c.summary.failed {
        assert!(log.contains(&f.path), "{} not in failures.log", f.path);
    }
    assert!(c.summary.ingested > 50);
}

#[test]
fn encrypted_and_scanned_pdfs_are_reported_clearly() {
    let c = corpus();
    let reason = |needle: &str| {
        c.summary
            .failed
            .iter()
            .find(|f| f.path.contains(needle))
            .map(|f| f.reason.clone())
    };
    let r = reason("加密").expect("the encrypted PDF fails");
    {
        assert!(r.contains("encrypted"), "{r}");
    }
    let scans: Vec<&Record> = c
        .records
        .iter()
        .filter(|r| r.source.path.contains("scan"))
        .collect();
    if xinfang::ingest::pdf::tesseract_available() {
        assert!(!scans.is_empty(), "scanned PDFs should have been OCR'd");
        assert!(scans
            .iter()
            .all(|r| r.source.format == Some(xinfang::record::Format::Ocr)));
    } else {
        assert!(scans.is_empty());
        assert!(c
            .summary
            .failed
            .iter()
            .any(|f| f.reason.contains("needs OCR")));
    }
}

#[test]
fn a_second_ingest_adds_nothing() {
    let c = corpus();
    let again = ingest(
        &c.engine,
        &[PathBuf::from("corpus")],
        &IngestOptions::new(c.dir.clone()),
        &Quiet,
    )
    .unwrap();
    assert_eq!(again.records, 0);
    assert_eq!(again.total_records, c.summary.total_records);
    let unchanged = again
        .skipped
        .iter()
        .filter(|s| s.reason.contains("unchanged"))
        .count();
    assert_eq!(unchanged, c.summary.ingested);
}

fn hits(query: &str, filters: Filters) -> Vec<Record> {
    let c = corpus();
    let store = Store::open(&c.dir, &c.engine.segmenter).unwrap();
    let request = SearchRequest {
        query: query.into(),
        filters,
        limit: 1000,
        offset: 0,
    };
    search(&store, &c.engine.segmenter, &request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.record)
        .collect()
}

/// Records whose indexed text contains `s` (what a substring search must find).
fn containing(s: &str) -> BTreeSet<String> {
    corpus()
        .records
        .iter()
        .filter(|r| {
            xinfang::store::indexed_text(r)
                .to_lowercase()
                .contains(&s.to_lowercase())
        })
        .map(|r| r.id.clone())
        .collect()
}

#[test]
fn a_word_inside_a_longer_run_is_found() {
    // Pick words that occur inside longer runs in the corpus and compare with a plain scan.
    for word in ["补偿", "工资", "拆迁", "养老", "信访"] {
        let expected = containing(word);
        let found: BTreeSet<String> = hits(word, Filters::default())
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(found, expected, "search for {word}");
    }
}

#[test]
fn phrase_queries_match_exactly() {
    let c = corpus();
    // A phrase made of the first 6 Han characters of a sentence in some record.
    let text = &c
        .records
        .iter()
        .find(|r| r.text.chars().count() > 60)
        .unwrap()
        .text;
    let phrase: String = text
        .chars()
        .skip_while(|c| !xinfang::segment::is_han(*c))
        .take_while(|c| xinfang::segment::is_han(*c))
        .take(6)
        .collect();
    let expected = containing(&phrase);
    assert!(!expected.is_empty());
    let found: BTreeSet<String> = hits(&format!("\"{phrase}\""), Filters::default())
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(found, expected, "phrase {phrase}");
    // Two words that each occur but never adjacent in this order give no hit as a phrase.
    assert!(hits("\"偿补\"", Filters::default()).is_empty() || !containing("偿补").is_empty());
}

#[test]
fn filters_narrow_results() {
    let c = corpus();
    let township = c
        .records
        .iter()
        .find_map(|r| r.place.township.clone())
        .unwrap();
    let filtered = hits(
        "",
        Filters {
            township: Some(township.clone()),
            ..Filters::default()
        },
    );
    let expected = c
        .records
        .iter()
        .filter(|r| r.place.township.as_deref() == Some(township.as_str()))
        .count();
    assert_eq!(filtered.len(), expected);
    let dated = hits(
        "",
        Filters {
            from: Some("2023-01-01".into()),
            to: Some("2023-12-31".into()),
            ..Filters::default()
        },
    );
    let expected = c
        .records
        .iter()
        .filter(|r| r.date.as_deref().is_some_and(|d| d.starts_with("2023")))
        .count();
    assert_eq!(dated.len(), expected);
    assert!(dated
        .iter()
        .all(|r| r.date.as_deref().unwrap().starts_with("2023")));
}

#[test]
fn record_ids_are_stable_across_indexes() {
    let c = corpus();
    let dir = tempfile::tempdir().unwrap();
    let one = Path::new("corpus/ledgers");
    ingest(
        &c.engine,
        &[one.to_path_buf()],
        &IngestOptions::new(dir.path().to_path_buf()),
        &Quiet,
    )
    .unwrap();
    let store = Store::open(dir.path(), &c.engine.segmenter).unwrap();
    let mut ids = BTreeSet::new();
    xinfang::export::for_each_record(&store, |r| {
        ids.insert(r.id.clone());
        Ok(())
    })
    .unwrap();
    let all: BTreeSet<String> = c.records.iter().map(|r| r.id.clone()).collect();
    assert!(!ids.is_empty());
    assert!(ids.is_subset(&all));
}

/// Precision, recall of a boolean prediction over records.
fn pr(pairs: &[(bool, bool)]) -> (f64, f64, usize) {
    let tp = pairs.iter().filter(|&&(t, p)| t && p).count() as f64;
    let fp = pairs.iter().filter(|&&(t, p)| !t && p).count() as f64;
    let fnn = pairs.iter().filter(|&&(t, p)| t && !p).count() as f64;
    let positives = pairs.iter().filter(|&&(t, _)| t).count();
    (
        if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 },
        if tp + fnn > 0.0 { tp / (tp + fnn) } else { 1.0 },
        positives,
    )
}

#[test]
fn classification_meets_targets() {
    let c = corpus();
    let by_key: HashMap<Key, &Record> = c.records.iter().map(|r| (record_key(r), r)).collect();
    let mut confusion: Vec<(String, String)> = Vec::new(); // (truth, predicted primary)
    let mut flags: BTreeMap<&str, Vec<(bool, bool)>> = BTreeMap::new();
    for t in truth() {
        let Some(r) = by_key.get(&truth_key(&t)) else {
            continue;
        };
        let primary = r.categories.first().map_or("other", |c| c.code.as_str());
        confusion.push((
            t["category"].as_str().unwrap().to_string(),
            primary.to_string(),
        ));
        for flag in [
            "collective",
            "skip_level",
            "risk",
            "law_related",
            "forwarded",
        ] {
            let truth = t[flag].as_bool().unwrap();
            flags
                .entry(flag)
                .or_default()
                .push((truth, r.flags.iter().any(|f| f == flag)));
        }
    }
    let n = confusion.len() as f64;
    let top1 = confusion.iter().filter(|(t, p)| t == p).count() as f64 / n;
    let classes: BTreeSet<&String> = confusion.iter().map(|(t, _)| t).collect();
    let mut f1s = Vec::new();
    for class in &classes {
        let pairs: Vec<(bool, bool)> = confusion
            .iter()
            .map(|(t, p)| (t == *class, p == *class))
            .collect();
        let (p, r, support) = pr(&pairs);
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        println!("category {class:12} P {p:.3} R {r:.3} F1 {f1:.3} ({support})");
        f1s.push(f1);
    }
    let macro_f1 = f1s.iter().sum::<f64>() / f1s.len() as f64;
    println!("categories: top-1 {top1:.3}, macro-F1 {macro_f1:.3} over {n} records");
    for (flag, pairs) in &flags {
        let (p, r, support) = pr(pairs);
        println!("flag {flag:12} P {p:.3} R {r:.3} ({support} true)");
    }
    for (t, p) in confusion.iter().filter(|(t, p)| t != p) {
        println!("category miss: truth {t}, predicted {p}");
    }
    assert!(top1 >= 0.95, "top-1 {top1}");
    assert!(macro_f1 >= 0.90, "macro-F1 {macro_f1}");
    let (p, r, _) = pr(&flags["risk"]);
    assert!(r >= 1.0 && p >= 0.90, "risk P {p} R {r}");
}

/// The predicted person cluster of each truth petitioner mention: the linked id of the extracted
/// petitioner with the same name, or a singleton when the name was not extracted.
fn mention_clusters() -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let c = corpus();
    let by_key: HashMap<Key, &Record> = c.records.iter().map(|r| (record_key(r), r)).collect();
    let mut truth_clusters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pred_clusters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in truth() {
        let Some(r) = by_key.get(&truth_key(&t)) else {
            continue;
        };
        let pids: Vec<String> = match r.flag_evidence.get(xinfang::link::EVIDENCE_PETITIONER_IDS) {
            Some(ids) => ids.clone(),
            None => r.petitioner_id.clone().into_iter().collect(),
        };
        let persons = t["person_ids"].as_array().unwrap();
        for (i, (p, person)) in t["petitioners"]
            .as_array()
            .unwrap()
            .iter()
            .zip(persons)
            .enumerate()
        {
            let mention = format!("{}#{i}", r.id);
            truth_clusters
                .entry(person.as_str().unwrap().to_string())
                .or_default()
                .push(mention.clone());
            let name = p["name"].as_str();
            let at = r
                .petitioners
                .iter()
                .position(|x| x.name.as_deref() == name && name.is_some());
            let pid = at
                .and_then(|k| pids.get(k))
                .filter(|s| !s.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("unlinked:{mention}"));
            pred_clusters.entry(pid).or_default().push(mention);
        }
    }
    (
        truth_clusters.into_values().collect(),
        pred_clusters.into_values().collect(),
    )
}

#[test]
fn linking_meets_targets() {
    use xinfang::link::metrics::{bcubed, pairwise_prf};
    let (truth_people, pred_people) = mention_clusters();
    let pair = pairwise_prf(&truth_people, &pred_people);
    let b3 = bcubed(&truth_people, &pred_people);
    println!(
        "petitioners: pairwise P {:.3} R {:.3} F1 {:.3}; B-cubed P {:.3} R {:.3} F1 {:.3}",
        pair.precision, pair.recall, pair.f1, b3.precision, b3.recall, b3.f1
    );
    // Duplicates: records of a truth group vs records sharing a predicted `duplicate_of` root.
    let c = corpus();
    let by_key: HashMap<Key, &Record> = c.records.iter().map(|r| (record_key(r), r)).collect();
    let mut truth_dups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pred_dups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in truth() {
        let Some(r) = by_key.get(&truth_key(&t)) else {
            continue;
        };
        let group = t["duplicate_group"]
            .as_str()
            .map_or_else(|| format!("single:{}", r.id), str::to_string);
        truth_dups.entry(group).or_default().push(r.id.clone());
        let root = r.duplicate_of.clone().unwrap_or_else(|| r.id.clone());
        pred_dups.entry(root).or_default().push(r.id.clone());
    }
    let truth_dups: Vec<Vec<String>> = truth_dups.into_values().collect();
    let pred_dups: Vec<Vec<String>> = pred_dups.into_values().collect();
    let dup = pairwise_prf(&truth_dups, &pred_dups);
    println!(
        "duplicates: pairwise P {:.3} R {:.3} F1 {:.3}",
        dup.precision, dup.recall, dup.f1
    );
    assert!(pair.precision >= 0.99, "petitioner pairwise precision");
    assert!(b3.f1 >= 0.95, "petitioner B-cubed F1");
    assert!(dup.f1 >= 0.95, "duplicate F1");
}
