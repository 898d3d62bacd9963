//! The command line as scripts use it: JSON shapes, exit codes, masking, and a kill in the
//! middle of an ingest followed by a re-run.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn xinfang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xinfang"))
        .args(args)
        .output()
        .expect("run xinfang")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A small archive: a few corpus letters, a ledger and a broken file.
fn small_archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for sub in ["corpus/letters", "corpus/ledgers"] {
        for entry in walk(Path::new(sub)) {
            if copied >= 12 {
                break;
            }
            let name = entry.file_name().unwrap();
            std::fs::copy(&entry, dir.path().join(name)).unwrap();
            copied += 1;
        }
    }
    std::fs::write(dir.path().join("broken.pdf"), b"%PDF-1.4\n1 0 obj <<").unwrap();
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn export(index: &Path) -> Vec<Value> {
    let o = xinfang(&["export", "--index", index.to_str().unwrap()]);
    assert!(o.status.success());
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn ingest_json_summary_and_exit_code() {
    let archive = small_archive();
    let index = tempfile::tempdir().unwrap();
    let o = xinfang(&[
        "ingest",
        archive.path().to_str().unwrap(),
        "--index",
        index.path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1), "a failed file gives exit code 1");
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["files"], 13);
    assert!(v["records"].as_u64().unwrap() >= 12);
    let failed = v["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["path"].as_str().unwrap().ends_with("broken.pdf"));
    assert!(!failed[0]["reason"].as_str().unwrap().is_empty());
    assert!(v["skipped"].is_array());

    // Export has every key scripts rely on.
    let records = export(index.path());
    assert_eq!(records.len() as u64, v["records"].as_u64().unwrap());
    for r in &records {
        for key in [
            "id",
            "source",
            "date",
            "title",
            "text",
            "petitioners",
            "headcount",
            "place",
            "addressee_level",
            "categories",
            "flags",
            "petitioner_id",
            "duplicate_of",
        ] {
            assert!(r.get(key).is_some(), "export lacks {key}");
        }
        for key in ["path", "format", "sheet", "row", "page"] {
            assert!(r["source"].get(key).is_some(), "source lacks {key}");
        }
    }

    // A second run adds nothing and succeeds when the broken file is gone.
    std::fs::remove_file(archive.path().join("broken.pdf")).unwrap();
    let o = xinfang(&[
        "ingest",
        archive.path().to_str().unwrap(),
        "--index",
        index.path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let again: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(again["records"], 0);
    assert_eq!(export(index.path()).len(), records.len());
}

#[test]
#[cfg(unix)]
fn named_pipes_and_sockets_are_skipped_not_opened() {
    // Opening a named pipe waits for a writer forever: a walk that read one would hang the run.
    let archive = tempfile::tempdir().unwrap();
    let letter = walk(Path::new("corpus/letters")).remove(0);
    std::fs::copy(&letter, archive.path().join("letter.txt")).unwrap();
    let fifo = archive.path().join("pipe.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(archive.path().join("sock.csv")).unwrap();
    let index = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xinfang"))
        .args(["ingest", archive.path().to_str().unwrap(), "--index"])
        .arg(index.path())
        .arg("--json")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 120 {
            child.kill().unwrap();
            panic!("the ingest hung on a special file");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "a skipped file is no failure");
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["ingested"], 1);
    let skipped: BTreeSet<(String, String)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let path = Path::new(s["path"].as_str().unwrap());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, s["reason"].as_str().unwrap().to_string())
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("pipe.txt", "not a regular file (a named pipe)"),
        ("sock.csv", "not a regular file (a socket)"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(skipped, want);
}

#[test]
fn search_and_show_mask_personal_numbers_unless_revealed() {
    let archive = small_archive();
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().to_str().unwrap();
    xinfang(&["ingest", archive.path().to_str().unwrap(), "--index", idx]);
    let records = export(index.path());
    let with_id = records
        .iter()
        .find(|r| {
            r["petitioners"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id_number"].as_str().is_some_and(|s| s.len() == 18))
        })
        .expect("some record has an ID number");
    let id = with_id["id"].as_str().unwrap();
    let number = with_id["petitioners"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|p| p["id_number"].as_str().filter(|s| s.len() == 18))
        .unwrap();

    let shown = stdout(&xinfang(&["show", id, "--index", idx]));
    assert!(!shown.contains(number), "show leaks the ID number");
    assert!(shown.contains(&format!("{}********{}", &number[..6], &number[14..])));
    let revealed = stdout(&xinfang(&["show", id, "--index", idx, "--reveal"]));
    assert!(revealed.contains(number));

    // Search by a word of that record: JSON lines, masked.
    // Four characters from inside the longest run of Han characters of its text.
    let text = with_id["text"].as_str().unwrap();
    let run = text
        .split(|c: char| !xinfang::segment::is_han(c))
        .max_by_key(|run| run.chars().count())
        .unwrap();
    let word: String = run.chars().skip(2).take(4).collect();
    let o = xinfang(&["search", &word, "--index", idx, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(!out.contains(number));
    let ids: BTreeSet<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(ids.contains(id));

    let none = xinfang(&["search", "这个词组肯定不存在于档案", "--index", idx]);
    assert_eq!(none.status.code(), Some(1), "no hit gives exit code 1");
}

#[test]
fn missing_index_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = xinfang(&[
        "search",
        "补偿",
        "--index",
        dir.path().join("nope").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ingest"));
}

#[test]
fn a_killed_ingest_leaves_an_index_that_opens_and_a_rerun_completes_it() {
    // Enough letters that the run is still going when it is killed: the corpus letters copied
    // under many folder names (each copy is a distinct file with distinct record ids).
    let archive = tempfile::tempdir().unwrap();
    let letters: Vec<PathBuf> = walk(Path::new("corpus/letters"));
    for copy in 0..40 {
        let d = archive.path().join(format!("batch{copy:02}"));
        std::fs::create_dir_all(&d).unwrap();
        for (i, l) in letters.iter().enumerate() {
            let name = format!("{i:03}-{}", l.file_name().unwrap().to_string_lossy());
            std::fs::copy(l, d.join(name)).unwrap();
        }
    }
    let expected = 40 * letters.len();
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xinfang"))
        .args(["ingest", archive.path().to_str().unwrap(), "--index", idx])
        .args(["--commit-every", "50", "--json"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once at least one commit has landed (or after a timeout).
    let manifest = index.path().join("files.jsonl");
    let start = std::time::Instant::now();
    while start.elapsed().as_secs() < 60 {
        if std::fs::metadata(&manifest).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    child.wait().unwrap();
    let partial = export(index.path()).len();
    assert!(partial < expected, "the run finished before it was killed");
    // Re-run: completes the job without duplicates.
    let o = xinfang(&[
        "ingest",
        archive.path().to_str().unwrap(),
        "--index",
        idx,
        "--json",
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1));
    let records = export(index.path());
    let ids: BTreeSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), records.len(), "duplicate records after re-run");
    assert_eq!(records.len(), expected);
}
