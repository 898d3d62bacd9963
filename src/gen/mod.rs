//! `xinfang gen`: deterministic generator of large synthetic petition archives (信访件) with
//! ground truth, for benchmarks and quality-at-scale checks.
//!
//! Why it exists: the sample corpus (`corpus/`, 228 records) proves correctness on real-tool
//! files but is far too small to measure speed or quality at the scale of a county bureau
//! (hundreds of thousands of letters). This module writes an archive of any size that looks like
//! a real one — mostly typed letters in UTF-8 and GBK, some CSV ledgers, optionally PDFs copied
//! from a folder — with varied wording recombined from more than 1,500 sentence templates
//! (`data/gen/`), repeat petitioners writing again at higher levels (a fifth of those with three
//! letters or more also on a second, unrelated matter), duplicates, collective letters, and a
//! `truth.jsonl` in the format of `corpus/truth.jsonl`.
//!
//! Where its data comes from: the sentence pools under `data/gen/` (embedded at compile time,
//! written for this fictional county from the domain glossary and the county speech), and the
//! gazetteer TOML given by the caller (townships and villages). All people, ID numbers, phones
//! and enterprises are fiction.
//!
//! What it must never do: hold the whole archive in memory (letters are made and written in
//! parallel chunks; only the small repeat/duplicate plan is global); depend on thread count or
//! timing (every letter is a pure function of the seed and its index); write anything outside
//! `out`; overwrite a non-empty output folder; generate PDFs (it only copies existing ones, with
//! no truth beyond their path); or be committed — generated archives are build products.
//!
//! Output layout (paths in truth are relative to `out`):
//! ```text
//! out/letters/0000/000000.txt … (1,000 letters a folder; UTF-8 with or without BOM, or GBK)
//! out/ledgers/信访登记台账_0000.csv, 12345热线转办台账_0001.csv … (200 rows a file)
//! out/pdf/000000.pdf …            (only with `pdf_from`)
//! out/truth.jsonl                 (one line per record: letters, then ledger rows, then PDFs)
//! ```

mod gazetteer;
mod ledger;
mod letter;
mod people;
mod plan;
mod pools;

pub use gazetteer::{GenGazetteer, Township};
pub use people::id_is_valid;
pub use pools::{distinct_templates, PoolError, Pools, CATEGORIES};

use crate::record::{IdStatus, Level};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Letters per folder (and per parallel work item).
pub const LETTERS_PER_FOLDER: usize = 1000;
/// Folders made in parallel before their truth lines are written, in order.
const FOLDERS_PER_BATCH: usize = 16;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Number of text letters.
    pub letters: usize,
    /// Same seed, same options, same gazetteer → byte-identical archive.
    pub seed: u64,
    /// Output folder; created if missing, must be empty if it exists.
    pub out: PathBuf,
    /// Share of all records that are ledger rows (CSV, 200 rows a file), e.g. 0.05.
    pub ledger_share: f64,
    /// Share of letter files and ledger files written in GBK rather than UTF-8, e.g. 0.3.
    pub gbk_share: f64,
    /// Share of records written by repeat petitioners (2–6 records a person), e.g. 0.05.
    pub repeat_share: f64,
    /// Share of letters that are duplicates of an earlier letter, e.g. 0.02.
    pub duplicate_share: f64,
    /// Folder to copy PDFs from (searched recursively for `*.pdf`); `None`: no PDFs.
    pub pdf_from: Option<PathBuf>,
    /// Number of PDF copies to put into `out/pdf/` (cycling through the PDFs found).
    pub pdfs: usize,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            letters: 10_000,
            seed: 20_250_305,
            out: PathBuf::from("gen-archive"),
            ledger_share: 0.05,
            gbk_share: 0.3,
            repeat_share: 0.05,
            duplicate_share: 0.02,
            pdf_from: None,
            pdfs: 0,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GenReport {
    pub letters: usize,
    pub ledger_rows: usize,
    pub ledger_files: usize,
    pub pdfs: usize,
    /// Letters that are duplicates of an earlier letter.
    pub duplicates: usize,
    /// Distinct repeat petitioners and the records they wrote.
    pub repeat_petitioners: usize,
    pub repeat_records: usize,
    /// Bytes of the archive files (letters, ledgers, PDFs; not truth.jsonl).
    pub bytes: u64,
    /// Archive files written (letters, ledgers, PDFs; not truth.jsonl).
    pub files: usize,
    pub seconds: f64,
}

/// One petitioner in a truth line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthPetitioner {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub id_status: Option<IdStatus>,
    pub phone: Option<String>,
}

/// One line of `truth.jsonl`: the same keys, in the same order, as `corpus/truth.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthLine {
    pub path: String,
    pub format: String,
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub petitioners: Vec<TruthPetitioner>,
    pub date: Option<String>,
    pub headcount: Option<u32>,
    pub county: Option<String>,
    pub township: Option<String>,
    pub village: Option<String>,
    pub addressee_level: Option<Level>,
    pub title: Option<String>,
    pub category: Option<String>,
    pub secondary: Vec<String>,
    pub collective: Option<bool>,
    pub skip_level: Option<bool>,
    pub risk: Option<bool>,
    pub law_related: Option<bool>,
    pub forwarded: Option<bool>,
    pub person_ids: Vec<String>,
    pub duplicate_group: Option<String>,
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

fn check_share(name: &str, x: f64, max: f64) -> io::Result<()> {
    if x.is_finite() && (0.0..=max).contains(&x) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{name} must be between 0 and {max}, not {x}"
        )))
    }
}

/// Generate an archive into `opts.out`. `gazetteer_toml` is the text of a gazetteer in the
/// format of `data/gazetteer.toml`.
pub fn generate(opts: &GenOptions, gazetteer_toml: &str) -> io::Result<GenReport> {
    let started = Instant::now();
    check_share("ledger_share", opts.ledger_share, 0.9)?;
    check_share("gbk_share", opts.gbk_share, 1.0)?;
    check_share("repeat_share", opts.repeat_share, 0.5)?;
    check_share("duplicate_share", opts.duplicate_share, 0.3)?;
    let gaz = GenGazetteer::parse(gazetteer_toml).map_err(invalid)?;
    let pools =
        Pools::get().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let pdf_sources = match &opts.pdf_from {
        Some(dir) if opts.pdfs > 0 => {
            let found = find_pdfs(dir)?;
            if found.is_empty() {
                return Err(invalid(format!("no .pdf files under {}", dir.display())));
            }
            found
        }
        _ => Vec::new(),
    };
    prepare_out(&opts.out)?;

    let ledger_rows =
        (opts.letters as f64 * opts.ledger_share / (1.0 - opts.ledger_share)).round() as usize;
    let townships: Vec<usize> = gaz.townships.iter().map(|t| t.villages.len()).collect();
    let plan = plan::Plan::new(
        opts.seed,
        opts.letters,
        ledger_rows,
        &townships,
        opts.repeat_share,
        opts.duplicate_share,
    );
    if plan.person_count() > people::PERSON_CAPACITY {
        return Err(invalid(format!(
            "{} letters need more distinct fictional ID numbers than the generator has ({}): at most about 2.3 million letters",
            opts.letters,
            people::PERSON_CAPACITY
        )));
    }
    let world = letter::World {
        seed: opts.seed,
        pools,
        gaz: &gaz,
        plan: &plan,
        gbk_share: opts.gbk_share,
    };

    let mut truth = io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(opts.out.join("truth.jsonl"))?,
    );
    let mut report = GenReport {
        letters: opts.letters,
        ledger_rows,
        duplicates: plan.dup_of.len(),
        repeat_petitioners: plan.persons.len(),
        repeat_records: plan.repeat_of.len(),
        ..GenReport::default()
    };

    // Letters, folder by folder, in parallel batches; truth lines written in index order.
    let folders = opts.letters.div_ceil(LETTERS_PER_FOLDER);
    let file_width = digits(opts.letters.saturating_sub(1)).max(6);
    let folder_width = digits(folders.saturating_sub(1)).max(4);
    std::fs::create_dir_all(opts.out.join("letters"))?;
    for batch_start in (0..folders).step_by(FOLDERS_PER_BATCH) {
        let batch_end = (batch_start + FOLDERS_PER_BATCH).min(folders);
        let outs: Vec<io::Result<(Vec<u8>, u64, usize)>> = (batch_start..batch_end)
            .into_par_iter()
            .map(|folder| write_folder(&world, opts, folder, folder_width, file_width))
            .collect();
        for out in outs {
            let (lines, bytes, files) = out?;
            truth.write_all(&lines)?;
            report.bytes += bytes;
            report.files += files;
        }
    }

    // Ledgers.
    let ledger_files = ledger_rows.div_ceil(ledger::ROWS_PER_FILE);
    if ledger_files > 0 {
        std::fs::create_dir_all(opts.out.join("ledgers"))?;
    }
    for batch_start in (0..ledger_files).step_by(FOLDERS_PER_BATCH * 4) {
        let batch_end = (batch_start + FOLDERS_PER_BATCH * 4).min(ledger_files);
        let outs: Vec<io::Result<(Vec<u8>, u64)>> = (batch_start..batch_end)
            .into_par_iter()
            .map(|f| {
                let file = ledger::ledger_file(&world, f).map_err(io::Error::other)?;
                std::fs::write(opts.out.join("ledgers").join(&file.name), &file.bytes)?;
                let mut lines = Vec::with_capacity(file.truth.len() * 600);
                for t in &file.truth {
                    serde_json::to_writer(&mut lines, t)?;
                    lines.push(b'\n');
                }
                Ok((lines, file.bytes.len() as u64))
            })
            .collect();
        for out in outs {
            let (lines, bytes) = out?;
            truth.write_all(&lines)?;
            report.bytes += bytes;
            report.files += 1;
            report.ledger_files += 1;
        }
    }

    // PDFs: copies with distinct names, truth for the path and for the copies: every copy of one
    // source PDF is the same letter received again (one duplicate group).
    if !pdf_sources.is_empty() {
        let dir = opts.out.join("pdf");
        std::fs::create_dir_all(&dir)?;
        let width = digits(opts.pdfs.saturating_sub(1)).max(6);
        for n in 0..opts.pdfs {
            let name = format!("{n:0width$}.pdf");
            let bytes = std::fs::copy(&pdf_sources[n % pdf_sources.len()], dir.join(&name))?;
            let line = TruthLine {
                path: format!("pdf/{name}"),
                format: "pdf".into(),
                sheet: None,
                row: None,
                petitioners: Vec::new(),
                date: None,
                headcount: None,
                county: None,
                township: None,
                village: None,
                addressee_level: None,
                title: None,
                category: None,
                secondary: Vec::new(),
                collective: None,
                skip_level: None,
                risk: None,
                law_related: None,
                forwarded: None,
                person_ids: Vec::new(),
                duplicate_group: Some(format!("PDF{}", n % pdf_sources.len())),
            };
            serde_json::to_writer(&mut truth, &line)?;
            truth.write_all(b"\n")?;
            report.bytes += bytes;
            report.files += 1;
            report.pdfs += 1;
        }
    }
    truth.flush()?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Create `out`, or accept it if it exists and is empty.
fn prepare_out(out: &Path) -> io::Result<()> {
    if out.exists() {
        if !out.is_dir() {
            return Err(invalid(format!(
                "{} exists and is not a folder",
                out.display()
            )));
        }
        if std::fs::read_dir(out)?.next().is_some() {
            return Err(invalid(format!(
                "{} is not empty; generated archives are never written over",
                out.display()
            )));
        }
    }
    std::fs::create_dir_all(out)
}

/// All `*.pdf` files under `dir`, sorted (so copies are deterministic).
fn find_pdfs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Make and write one folder of letters; returns its truth lines, bytes and file count.
fn write_folder(
    world: &letter::World,
    opts: &GenOptions,
    folder: usize,
    folder_width: usize,
    file_width: usize,
) -> io::Result<(Vec<u8>, u64, usize)> {
    let first = folder * LETTERS_PER_FOLDER;
    let last = (first + LETTERS_PER_FOLDER).min(opts.letters);
    let folder_name = format!("{folder:0folder_width$}");
    let dir = opts.out.join("letters").join(&folder_name);
    std::fs::create_dir_all(&dir)?;
    let mut lines = Vec::with_capacity((last - first) * 700);
    let mut bytes = 0u64;
    for i in first..last {
        let mut l = letter::compose(world, i);
        let name = format!("{i:0file_width$}.txt");
        let data = l.bytes();
        std::fs::write(dir.join(&name), &data)?;
        bytes += data.len() as u64;
        l.truth.path = format!("letters/{folder_name}/{name}");
        serde_json::to_writer(&mut lines, &l.truth)?;
        lines.push(b'\n');
    }
    Ok((lines, bytes, last - first))
}

/// Distinct character 4-grams in `text`, ignoring whitespace and ASCII digits (so that ID
/// numbers, phones and amounts do not inflate the figure): a segmentation-free measure of how
/// varied the wording is.
pub fn distinct_char_4grams(text: &str) -> usize {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_digit())
        .collect();
    let mut set = std::collections::HashSet::with_capacity(chars.len());
    for w in chars.windows(4) {
        set.insert([w[0], w[1], w[2], w[3]]);
    }
    set.len()
}

#[cfg(test)]
mod tests;
