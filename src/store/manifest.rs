//! The file manifest (`files.jsonl` in the index folder): which input files are in the index,
//! with the BLAKE3 hash of their content.
//!
//! It is an append-only log of JSON lines, written only *after* the tantivy commit that made the
//! file's records durable, and read back with last-entry-wins. A kill can therefore only lose the
//! tail of the log: the files named there are read again on the next run, and because the
//! pipeline replaces a file's records by its key before adding them, nothing is duplicated. A torn
//! last line is ignored.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "files.jsonl";

/// One line of the manifest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// The path as it was ingested (absolute, canonical).
    pub path: String,
    /// BLAKE3 hash of the file's bytes (hex).
    pub hash: String,
    /// Number of records the file produced.
    pub records: usize,
}

/// The manifest of an index folder.
pub struct Manifest {
    path: PathBuf,
    entries: HashMap<String, String>,
}

impl Manifest {
    /// Read the manifest in `dir` (empty when there is none).
    pub fn open(dir: &Path) -> std::io::Result<Manifest> {
        let path = dir.join(FILE_NAME);
        let mut entries = HashMap::new();
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line?;
                    if let Ok(e) = serde_json::from_str::<Entry>(&line) {
                        entries.insert(e.path, e.hash);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(Manifest { path, entries })
    }

    /// The hash recorded for `path`, if the file is in the index.
    pub fn hash_of(&self, path: &str) -> Option<&str> {
        self.entries.get(path).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The manifest file, for [`append_to`] (which may run on a thread that does not hold the
    /// manifest).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Append entries (after their records were committed) to the manifest file at `path` and
/// flush them to disk. An open [`Manifest`]'s lookup table stays as it was when it was opened: it
/// answers "was this file in the index before this run?".
pub fn append_to(path: &Path, new: &[Entry]) -> std::io::Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    let mut buf = String::new();
    for e in new {
        buf.push_str(&serde_json::to_string(e).expect("an Entry always serialises"));
        buf.push('\n');
    }
    file.write_all(buf.as_bytes())?;
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_entry_wins_and_torn_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let m = Manifest::open(dir.path()).unwrap();
        assert!(m.is_empty());
        let e = |h: &str| Entry {
            path: "/a.txt".into(),
            hash: h.into(),
            records: 1,
        };
        append_to(m.path(), &[e("1")]).unwrap();
        append_to(m.path(), &[e("2")]).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(FILE_NAME))
            .unwrap()
            .write_all(b"{\"path\":\"/b.txt\",\"ha")
            .unwrap();
        let m = Manifest::open(dir.path()).unwrap();
        assert_eq!(m.hash_of("/a.txt"), Some("2"));
        assert_eq!(m.hash_of("/b.txt"), None);
        assert_eq!(m.len(), 1);
    }
}
