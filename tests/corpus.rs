//! End-to-end tests on the sample archive `corpus/`: ingest it once, then check every extracted
//! field against `corpus/truth.jsonl`, the per-file outcomes, re-ingest idempotence and search.
//!
//! The accuracy table printed by `field_accuracy_meets_targets` (run with `--nocapture`) is the
//! one reported in the README.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use xinfang::config::Config;
use xinfang::engine::Engine;
use xinfang::eval::{record_key, truth_key, Key};
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
        let store = Store::open(&dir).unwrap();
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
    xinfang::eval::read_truth(Path::new("corpus/truth.jsonl")).unwrap()
}

fn report() -> &'static xinfang::eval::Report {
    static ONCE: OnceLock<xinfang::eval::Report> = OnceLock::new();
    ONCE.get_or_init(|| {
        let report = xinfang::eval::evaluate(&truth(), &corpus().records);
        println!("{}", report.to_table());
        for m in &report.misses {
            println!("miss: {m}");
        }
        report
    })
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
    let r = report();
    assert!(r.missing.is_empty(), "{:?}", r.missing);
    let rate = |field: &str, part: usize| r.fields[field][part].rate();
    for field in ["id_number", "phone"] {
        assert!(rate(field, 1) >= 0.99, "{field} on clean text");
    }
    for field in [
        "date",
        "headcount",
        "township",
        "petitioner_name",
        "addressee_level",
    ] {
        assert!(rate(field, 1) >= 0.97, "{field} on clean text");
    }
    // On OCR'd text, single-valued fields per record; names, IDs and phones value by value
    // (one surname Tesseract replaced by another character must not fail a joint letter's
    // other eight signers).
    for field in ["date", "headcount", "township", "addressee_level"] {
        assert!(rate(field, 2) >= 0.90, "{field} on OCR text");
    }
    for field in ["id_number", "phone"] {
        let counts = r.values[field][2];
        assert!(counts.f1() >= 0.90, "{field} on OCR text: {counts:?}");
    }
    // Names: Tesseract itself replaced a character in about one name in seven of the corpus
    // scans (邱红梅 → 印红梅); no extractor gets those back. What the extractor must do is find
    // the names that survived OCR, so recall is measured on names present in the OCR'd text,
    // and precision on all extracted names.
    let names = r.values["petitioner_name"][2];
    assert!(names.precision() >= 0.85, "OCR names: {names:?}");
    let c = corpus();
    let by_key: HashMap<Key, &Record> = c.records.iter().map(|r| (record_key(r), r)).collect();
    let (mut surviving, mut found) = (0, 0);
    for t in truth().iter().filter(|t| t["format"] == "ocr") {
        let record = by_key[&truth_key(t)];
        for p in t["petitioners"].as_array().unwrap() {
            let Some(name) = p["name"].as_str() else {
                continue;
            };
            if record.text.contains(name) {
                surviving += 1;
                found += usize::from(
                    record
                        .petitioners
                        .iter()
                        .any(|x| x.name.as_deref() == Some(name)),
                );
            }
        }
    }
    let recall = found as f64 / surviving as f64;
    println!("OCR names surviving Tesseract: {surviving}; extracted: {found} ({recall:.3})");
    assert!(recall >= 0.97, "names that survived OCR: recall {recall}");
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
    let store = Store::open(&c.dir).unwrap();
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
    // Two characters: exact bigram look-ups. Longer dictionary words: word look-ups that must
    // still find the word inside longer words (search-mode sub-words).
    for word in [
        "补偿",
        "工资",
        "拆迁",
        "养老",
        "信访",
        "养老保险",
        "退役军人",
        "宅基地",
        "派出所",
    ] {
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
    // Characters that each occur, in an order that does not: the phrase finds exactly the records
    // that contain it (none in this corpus), not those with both characters somewhere.
    let found: BTreeSet<String> = hits("\"偿补\"", Filters::default())
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(found, containing("偿补"));
    assert!(!containing("补").is_empty() && !containing("偿").is_empty());
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
    let store = Store::open(dir.path()).unwrap();
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

#[test]
fn classification_meets_targets() {
    let r = report();
    assert!(r.category_top1 >= 0.95, "top-1 {}", r.category_top1);
    assert!(
        r.category_macro_f1 >= 0.90,
        "macro-F1 {}",
        r.category_macro_f1
    );
    let risk = r.flags["risk"];
    assert!(risk.recall >= 1.0 && risk.precision >= 0.90, "{risk:?}");
    for flag in xinfang::eval::FLAGS {
        let s = r.flags[flag];
        assert!(s.precision >= 0.9 && s.recall >= 0.9, "{flag}: {s:?}");
    }
}

#[test]
fn linking_meets_targets() {
    let r = report();
    assert!(
        r.petitioner_pairwise.precision >= 0.99,
        "{:?}",
        r.petitioner_pairwise
    );
    // 0.985 measured: without the same-group evidence (the 吴淑芬等 letters) it was 0.947.
    assert!(
        r.petitioner_pairwise.recall >= 0.97,
        "{:?}",
        r.petitioner_pairwise
    );
    assert!(r.petitioner_bcubed.f1 >= 0.95, "{:?}", r.petitioner_bcubed);
    assert!(
        r.duplicate_pairwise.f1 >= 0.95,
        "{:?}",
        r.duplicate_pairwise
    );
    // The repeat flag (57 repeat petitions): 1.000 / 0.965 measured; 0.930 when a matter was the
    // primary category alone, before a record's second category counted.
    let repeat = r.repeat_petitions;
    assert!(
        repeat.precision >= 0.98 && repeat.recall >= 0.94,
        "{repeat:?}"
    );
}

/// Links must not depend on how often the ingest commits: records of earlier commits are seen
/// through the index (their texts read back to verify near-duplicates, their link updates
/// rewritten at the next commit), those of the current one through the linker's memory. The same
/// duplicate groups and the same petitioners (whose ids may differ: an id is chosen when its
/// petitioner is first seen).
#[test]
fn links_do_not_depend_on_how_often_the_ingest_commits() {
    let c = corpus();
    let dir = tempfile::tempdir().unwrap();
    let mut options = IngestOptions::new(dir.path().to_path_buf());
    options.chunk_files = 4;
    options.commit_every = 4;
    ingest(&c.engine, &[PathBuf::from("corpus")], &options, &Quiet).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut often = Vec::new();
    xinfang::export::for_each_record(&store, |r| {
        often.push(r.clone());
        Ok(())
    })
    .unwrap();
    // Records grouped by a key, as sets of record ids.
    fn groups(records: &[Record], key: fn(&Record) -> Option<&String>) -> BTreeSet<Vec<&str>> {
        let mut by: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in records {
            let k = key(r).unwrap_or(&r.id);
            by.entry(k).or_default().push(&r.id);
        }
        by.into_values()
            .map(|mut v| {
                v.sort();
                v
            })
            .collect()
    }
    fn duplicates(r: &Record) -> Option<&String> {
        r.duplicate_of.as_ref()
    }
    fn petitioners(r: &Record) -> Option<&String> {
        r.petitioner_id.as_ref()
    }
    let once = groups(&c.records, duplicates);
    assert!(once.iter().filter(|g| g.len() > 1).count() >= 5);
    assert_eq!(groups(&often, duplicates), once);
    assert_eq!(groups(&often, petitioners), groups(&c.records, petitioners));
}
