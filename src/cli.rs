//! Command-line interface: argument parsing and printing, nothing else.
//!
//! Each subcommand calls one library function and prints its result, for people (Chinese
//! labels, personal data masked unless `--reveal`) or for scripts (`--json`). Exit codes:
//! `0` success; `1` a partial result (some input files failed, or a search found nothing);
//! `2` an error that stopped the command (bad arguments, unreadable index or configuration).

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use xinfang::config::Config;
use xinfang::engine::Engine;
use xinfang::ingest::Problem;
use xinfang::link::Linker;
use xinfang::pipeline::{self, IngestOptions, IngestSummary, Progress};
use xinfang::privacy::{mask_id, mask_phone, mask_text};
use xinfang::record::Record;
use xinfang::search::{self, Filters, SearchRequest};
use xinfang::store::Store;

const OK: i32 = 0;
const PARTIAL: i32 = 1;
const ERROR: i32 = 2;

#[derive(Parser)]
#[command(
    name = "xinfang",
    version,
    about = "Ingest, classify, link and search petition (信访) archives",
    long_about = "Ingest, classify, link and search petition (信访) archives.\n\n\
        Exit codes: 0 success; 1 partial (some files failed, or no search hit); 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// Index folder.
    #[arg(long, short = 'i', default_value = "index", global = true)]
    index: PathBuf,
    /// Folder with configuration files replacing the built-in ones (gazetteer.toml,
    /// headers.toml, taxonomy.toml, dict.txt, flags.toml).
    #[arg(long, env = "XINFANG_CONFIG", global = true)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Read letters, PDFs and ledgers into the index (re-running skips unchanged files).
    Ingest {
        /// Files or folders (walked recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Print one JSON summary object instead of the report.
        #[arg(long)]
        json: bool,
        /// Do not run Tesseract on scanned pages (report them as needing OCR).
        #[arg(long)]
        no_ocr: bool,
        /// Commit to the index every N records.
        #[arg(long, default_value_t = 100_000)]
        commit_every: usize,
    },
    /// Search the index by keywords; every term must occur ("…" quotes a phrase).
    Search {
        /// Keywords, e.g. `征地 补偿` or `"拖欠 工资"`; may be empty with filters.
        query: String,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        filters: FilterArgs,
        /// Number of hits to show.
        #[arg(long, short = 'n', default_value_t = 10)]
        limit: usize,
        /// Skip this many hits first (paging).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// One JSON object per hit, one per line.
        #[arg(long)]
        json: bool,
        /// Show ID and phone numbers in full.
        #[arg(long)]
        reveal: bool,
    },
    /// Show one record in full.
    Show {
        id: String,
        #[command(flatten)]
        common: Common,
        /// Print the record as JSON.
        #[arg(long)]
        json: bool,
        /// Show ID and phone numbers in full.
        #[arg(long)]
        reveal: bool,
    },
    /// Every record as one JSON object per line (full data, unmasked).
    Export {
        #[command(flatten)]
        common: Common,
    },
    /// Classify letters or ledger rows without adding them to the index.
    Classify {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// One JSON object per record.
        #[arg(long)]
        json: bool,
    },
    /// Learn a classifier from labelled records (a ledger's 问题类别 column, or a labelled CSV)
    /// and store it in the index folder; ingestion and classify use it from then on.
    Train {
        /// Labelled files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Folds of the cross-validation that is reported.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Repeat petitioners (重复信访) and duplicate letters (重复件) in the index.
    Repeats {
        #[command(flatten)]
        common: Common,
        /// One JSON object per group.
        #[arg(long)]
        json: bool,
    },
    /// The most similar past records for a letter being registered (a file) or a record id.
    Similar {
        /// A file to register, or a record id.
        target: String,
        #[command(flatten)]
        common: Common,
        #[arg(long, short = 'n', default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Show ID and phone numbers in full.
        #[arg(long)]
        reveal: bool,
    },
    /// Measure the index against a ground-truth file (corpus/truth.jsonl or a generated
    /// archive's truth.jsonl): field accuracy, categories, flags, linking.
    Evaluate {
        /// The truth file.
        truth: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also list every wrong field.
        #[arg(long)]
        misses: bool,
        /// Prefix joined to the truth file's paths (for a generated archive, its folder).
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Write a synthetic archive with ground truth (for benchmarks; never commit it).
    Gen {
        /// Number of letters (ledger rows come on top, see --ledger-share).
        #[arg(long, default_value_t = 10_000)]
        letters: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (must not exist or be empty).
        #[arg(long)]
        out: PathBuf,
        /// Share of records written as CSV ledger rows.
        #[arg(long, default_value_t = 0.05)]
        ledger_share: f64,
        /// Share of letters encoded in GBK.
        #[arg(long, default_value_t = 0.3)]
        gbk_share: f64,
        /// Share of letters by repeat petitioners.
        #[arg(long, default_value_t = 0.05)]
        repeat_share: f64,
        /// Share of letters that are copies of earlier ones.
        #[arg(long, default_value_t = 0.02)]
        duplicate_share: f64,
        /// Copy PDFs from this folder into the archive (no PDFs are generated).
        #[arg(long)]
        pdf_from: Option<PathBuf>,
        /// How many PDFs to copy.
        #[arg(long, default_value_t = 20)]
        pdfs: usize,
        #[command(flatten)]
        common: Common,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Configuration files.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Write the built-in configuration files into DIR to edit them.
    Init { dir: PathBuf },
    /// Say which configuration files are in use.
    Show {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Clone, Default)]
struct FilterArgs {
    /// Only records of this category code (repeatable).
    #[arg(long = "category", short = 'c')]
    categories: Vec<String>,
    /// Only records with this flag (repeatable): collective, skip_level, risk, law_related,
    /// forwarded, repeat, duplicate.
    #[arg(long = "flag")]
    flags: Vec<String>,
    /// Only records from this township (乡镇).
    #[arg(long)]
    township: Option<String>,
    /// Only records from this village (村/社区).
    #[arg(long)]
    village: Option<String>,
    /// Only records addressed to this level: county, city, province, national.
    #[arg(long)]
    level: Option<String>,
    /// Only records of this source format: text, ocr, pdf, sheet.
    #[arg(long)]
    format: Option<String>,
    /// From this date (YYYY-MM-DD, inclusive).
    #[arg(long)]
    from: Option<String>,
    /// To this date (YYYY-MM-DD, inclusive).
    #[arg(long)]
    to: Option<String>,
}

impl From<FilterArgs> for Filters {
    fn from(a: FilterArgs) -> Filters {
        Filters {
            categories: a.categories,
            flags: a.flags,
            township: a.township,
            village: a.village,
            level: a.level,
            format: a.format,
            petitioner_id: None,
            from: a.from,
            to: a.to,
        }
    }
}

/// Run the command line; returns the exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest {
            paths,
            common,
            json,
            no_ocr,
            commit_every,
        } => ingest(&paths, &common, json, no_ocr, commit_every),
        Command::Search {
            query,
            common,
            filters,
            limit,
            offset,
            json,
            reveal,
        } => search_cmd(&common, query, filters.into(), limit, offset, json, reveal),
        Command::Show {
            id,
            common,
            json,
            reveal,
        } => show(&common, &id, json, reveal),
        Command::Export { common } => export(&common),
        Command::Classify {
            paths,
            common,
            json,
        } => classify(&paths, &common, json),
        Command::Train {
            paths,
            common,
            folds,
            json,
        } => train(&paths, &common, folds, json),
        Command::Repeats { common, json } => repeats(&common, json),
        Command::Similar {
            target,
            common,
            limit,
            json,
            reveal,
        } => similar(&common, &target, limit, json, reveal),
        Command::Evaluate {
            truth,
            common,
            json,
            misses,
            prefix,
        } => evaluate(&truth, &common, json, misses, prefix.as_deref()),
        Command::Gen {
            letters,
            seed,
            out,
            ledger_share,
            gbk_share,
            repeat_share,
            duplicate_share,
            pdf_from,
            pdfs,
            common,
            json,
        } => {
            let options = xinfang::gen::GenOptions {
                letters,
                seed,
                out,
                ledger_share,
                gbk_share,
                repeat_share,
                duplicate_share,
                pdf_from,
                pdfs,
            };
            gen(&options, &common, json)
        }
        Command::Config { action } => config_cmd(action),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xinfang: {e:#}");
            ERROR
        }
    }
}

fn engine(common: &Common) -> anyhow::Result<Engine> {
    let config = Config::load(common.config.as_deref())?;
    Ok(Engine::new(&config, Some(&common.index))?)
}

/// A progress bar on a terminal's stderr; nothing when stderr is piped.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn new() -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} 个文件 {per_sec} 剩余 {eta} {msg}",
            )
            .expect("valid template"),
        );
        Bar(Some(bar))
    }
}

impl Progress for Bar {
    fn wants_total(&self) -> bool {
        self.0.is_some()
    }
    fn start(&self, files: u64) {
        if let Some(b) = &self.0 {
            b.set_length(files);
        }
    }
    fn file_done(&self, _path: &str) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }
    fn committing(&self) {
        if let Some(b) = &self.0 {
            b.set_message("写入索引…");
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

fn ingest(
    paths: &[PathBuf],
    common: &Common,
    json: bool,
    no_ocr: bool,
    commit_every: usize,
) -> anyhow::Result<i32> {
    let mut engine = engine(common)?;
    engine.ocr = !no_ocr;
    let mut options = IngestOptions::new(common.index.clone());
    options.commit_every = commit_every.max(1);
    let summary = pipeline::ingest(&engine, paths, &options, &Bar::new())?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&summary, &common.index);
    }
    Ok(if summary.failed.is_empty() {
        OK
    } else {
        PARTIAL
    })
}

fn print_summary(s: &IngestSummary, index: &Path) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "共处理 {} 个文件：入库 {} 个（新增或更新记录 {} 条，其中 OCR 识别 {} 条），跳过 {} 个，失败 {} 个。用时 {:.1} 秒。",
        s.files,
        s.ingested,
        s.records,
        s.ocr_records,
        s.skipped.len(),
        s.failed.len(),
        s.seconds
    );
    let _ = writeln!(
        out,
        "索引 {} 现有记录 {} 条。",
        index.display(),
        s.total_records
    );
    let unchanged = s
        .skipped
        .iter()
        .filter(|i| i.reason.starts_with("unchanged"))
        .count();
    if unchanged > 0 {
        let _ = writeln!(out, "未变化而跳过：{unchanged} 个文件。");
    }
    for i in s
        .skipped
        .iter()
        .filter(|i| !i.reason.starts_with("unchanged"))
    {
        let _ = writeln!(out, "跳过  {}：{}", i.path, i.reason);
    }
    for i in &s.failed {
        let _ = writeln!(out, "失败  {}：{}", i.path, i.reason);
    }
    if !s.failed.is_empty() {
        let _ = writeln!(
            out,
            "失败清单已记入 {}。",
            index.join(pipeline::FAILURE_LOG).display()
        );
    }
}

fn open_store(common: &Common) -> anyhow::Result<(Engine, Store)> {
    let engine = engine(common)?;
    let store = Store::open(&common.index)?;
    Ok((engine, store))
}

fn search_cmd(
    common: &Common,
    query: String,
    filters: Filters,
    limit: usize,
    offset: usize,
    json: bool,
    reveal: bool,
) -> anyhow::Result<i32> {
    let (engine, store) = open_store(common)?;
    let request = SearchRequest {
        query,
        filters,
        limit,
        offset,
    };
    let result = search::search(&store, &engine.segmenter, &request)?;
    let mut out = std::io::stdout().lock();
    for hit in &result.hits {
        let r = &hit.record;
        if json {
            let mut v = record_json(r, reveal);
            v["score"] = json!(hit.score);
            let snippet = if reveal {
                hit.snippet.clone()
            } else {
                mask_snippet(&hit.snippet)
            };
            v["snippet"] = json!(snippet.text);
            v["highlights"] = json!(snippet.highlights);
            writeln!(out, "{v}")?;
        } else {
            let s = if reveal {
                hit.snippet.marked("【", "】")
            } else {
                mask_snippet(&hit.snippet).marked("【", "】")
            };
            writeln!(out, "{}  {}", r.id, headline(r, reveal))?;
            writeln!(out, "    {s}")?;
        }
    }
    if !json {
        writeln!(
            out,
            "共 {} 条匹配，显示第 {}–{} 条。",
            result.total,
            (offset + 1).min(result.total),
            offset + result.hits.len()
        )?;
    }
    Ok(if result.total > 0 { OK } else { PARTIAL })
}

/// Mask personal numbers in a snippet, keeping highlights on the same words.
fn mask_snippet(s: &search::Snippet) -> search::Snippet {
    // Masking keeps byte lengths of digit runs (digits and '*' are both one byte), so the
    // highlight offsets stay valid.
    search::Snippet {
        text: mask_text(&s.text),
        highlights: s.highlights.clone(),
    }
}

/// One line about a record: date, format, petitioners, place, categories, flags.
fn headline(r: &Record, reveal: bool) -> String {
    let names: Vec<String> = r
        .petitioners
        .iter()
        .filter_map(|p| p.name.clone())
        .collect();
    let mut parts = vec![
        r.date.clone().unwrap_or_else(|| "日期不详".into()),
        r.source.format.map_or("", |f| f.as_str()).to_string(),
    ];
    if !names.is_empty() {
        parts.push(names.join("、"));
    }
    if let Some(phone) = r.petitioners.iter().find_map(|p| p.phone.as_deref()) {
        parts.push(if reveal {
            phone.to_string()
        } else {
            mask_phone(phone)
        });
    }
    let place: Vec<&str> = [&r.place.township, &r.place.village]
        .into_iter()
        .filter_map(|x| x.as_deref())
        .collect();
    if !place.is_empty() {
        parts.push(place.join(""));
    }
    if !r.categories.is_empty() {
        parts.push(
            r.categories
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join("+"),
        );
    }
    if !r.flags.is_empty() {
        parts.push(format!("[{}]", r.flags.join(",")));
    }
    if let Some(t) = &r.title {
        parts.push(format!("《{t}》"));
    }
    parts.retain(|p| !p.is_empty());
    parts.join("  ")
}

/// A record as JSON, masked unless `reveal`.
fn record_json(r: &Record, reveal: bool) -> serde_json::Value {
    if reveal {
        return serde_json::to_value(r).expect("a Record always serialises");
    }
    let mut masked = r.clone();
    for p in &mut masked.petitioners {
        p.id_number = p.id_number.as_deref().map(mask_id);
        p.phone = p.phone.as_deref().map(mask_phone);
    }
    masked.text = mask_text(&masked.text);
    masked.original = mask_text(&masked.original);
    for e in &mut masked.evidence {
        e.text = mask_text(&e.text);
    }
    for v in masked.extra.values_mut() {
        *v = mask_text(v);
    }
    serde_json::to_value(&masked).expect("a Record always serialises")
}

fn show(common: &Common, id: &str, json: bool, reveal: bool) -> anyhow::Result<i32> {
    let (_engine, store) = open_store(common)?;
    let searcher = store.searcher()?;
    let Some((record, _)) = store.record_by_id(&searcher, id)? else {
        eprintln!("xinfang: no record with id {id}");
        return Ok(PARTIAL);
    };
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", record_json(&record, reveal))?;
        return Ok(OK);
    }
    let r = if reveal {
        record
    } else {
        serde_json::from_value(record_json(&record, false))?
    };
    let src = &r.source;
    writeln!(out, "编号      {}", r.id)?;
    let mut from = format!("{} ({})", src.path, src.format.map_or("?", |f| f.as_str()));
    if let Some(sheet) = &src.sheet {
        from.push_str(&format!(" 工作表 {sheet}"));
    }
    if let Some(row) = src.row {
        from.push_str(&format!(" 第 {row} 行"));
    }
    if let Some(page) = src.page {
        from.push_str(&format!(" 第 {page} 页"));
    }
    writeln!(out, "来源      {from}")?;
    let line = |label: &str, v: Option<&str>| format!("{label}{}", v.unwrap_or("—"));
    writeln!(out, "{}", line("日期      ", r.date.as_deref()))?;
    writeln!(out, "{}", line("标题      ", r.title.as_deref()))?;
    for (i, p) in r.petitioners.iter().enumerate() {
        writeln!(
            out,
            "信访人{:<4}{}{}  身份证 {}{}  电话 {}  住址 {}",
            i + 1,
            p.name.as_deref().unwrap_or("—"),
            p.birth
                .as_deref()
                .map_or(String::new(), |b| format!("（{b}生）")),
            p.id_number.as_deref().unwrap_or("—"),
            match p.id_status {
                Some(xinfang::record::IdStatus::Invalid) => "（校验不通过）",
                Some(xinfang::record::IdStatus::Legacy) => "（15位旧号）",
                _ => "",
            },
            p.phone.as_deref().unwrap_or("—"),
            p.address.as_deref().unwrap_or("—"),
        )?;
    }
    writeln!(
        out,
        "人数      {}",
        r.headcount.map_or("—".to_string(), |h| h.to_string())
    )?;
    let place: Vec<&str> = [&r.place.county, &r.place.township, &r.place.village]
        .into_iter()
        .filter_map(|x| x.as_deref())
        .collect();
    writeln!(
        out,
        "地点      {}",
        if place.is_empty() {
            "—".to_string()
        } else {
            place.join(" ")
        }
    )?;
    writeln!(
        out,
        "受信层级  {}",
        r.addressee_level.map_or("—", |l| l.zh())
    )?;
    for c in &r.categories {
        writeln!(
            out,
            "类别      {} {:.2}  依据：{}",
            c.code,
            c.score,
            c.evidence.join("、")
        )?;
    }
    if let Some(g) = &r.given_category {
        writeln!(out, "台账类别  {g}")?;
    }
    for f in &r.flags {
        let ev = r
            .flag_evidence
            .get(f)
            .map(|v| v.join("、"))
            .unwrap_or_default();
        writeln!(out, "标记      {f}  {ev}")?;
    }
    if let Some(route) = &r.route {
        writeln!(out, "归口单位  {route}")?;
    }
    if let Some(p) = &r.petitioner_id {
        writeln!(out, "信访人编号 {p}")?;
    }
    if let Some(d) = &r.duplicate_of {
        writeln!(out, "重复件，原件 {d}")?;
    }
    if let Some(o) = &r.outcome {
        writeln!(out, "办理结果  {o}")?;
    }
    for (k, v) in &r.extra {
        writeln!(out, "{k}：{v}")?;
    }
    if let Some(pid) = &r.petitioner_id {
        timeline(&mut out, common, &store, pid, &r.id, reveal)?;
    }
    writeln!(out, "\n{}", r.text)?;
    Ok(OK)
}

/// The petitioner's petitions in time order, with level and matter: "this is the fourth".
fn timeline(
    out: &mut impl Write,
    common: &Common,
    store: &Store,
    pid: &str,
    current: &str,
    reveal: bool,
) -> anyhow::Result<()> {
    let Some(group) = linker(common)?.petitioner(pid) else {
        return Ok(());
    };
    if group.records.len() < 2 {
        return Ok(());
    }
    let searcher = store.searcher()?;
    writeln!(
        out,
        "\n该信访人共 {} 件信访（按时间）：",
        group.records.len()
    )?;
    for (i, id) in group.records.iter().enumerate() {
        let Some((r, _)) = store.record_by_id(&searcher, id)? else {
            continue;
        };
        let mark = if id == current { "→" } else { " " };
        writeln!(
            out,
            "{mark}{:>2}. {}  {}  {}",
            i + 1,
            id,
            r.addressee_level.map_or("—", |l| l.zh()),
            headline(&r, reveal)
        )?;
    }
    Ok(())
}

fn export(common: &Common) -> anyhow::Result<i32> {
    let (_engine, store) = open_store(common)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let n = xinfang::export::for_each_record(&store, |record| {
        serde_json::to_writer(&mut out, record)?;
        out.write_all(b"\n")?;
        Ok(())
    })?;
    out.flush()?;
    if std::io::stderr().is_terminal() {
        eprintln!("导出 {n} 条记录。");
    }
    Ok(OK)
}

fn config_cmd(action: ConfigAction) -> anyhow::Result<i32> {
    match action {
        ConfigAction::Init { dir } => {
            let written = Config::write_defaults(&dir)?;
            for p in &written {
                println!("{}", p.display());
            }
            if written.is_empty() {
                println!("{} already holds every configuration file", dir.display());
            }
        }
        ConfigAction::Show { common } => {
            let config = Config::load(common.config.as_deref())?;
            for (name, origin) in &config.origins {
                match origin {
                    Some(p) => println!("{name}\t{}", p.display()),
                    None => println!("{name}\t(built in)"),
                }
            }
        }
    }
    Ok(OK)
}

fn classify(paths: &[PathBuf], common: &Common, json: bool) -> anyhow::Result<i32> {
    let engine = engine(common)?;
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for file in pipeline::read_files(&engine, paths, true) {
        let records = match file.records {
            Ok(r) => r,
            Err(problem) => {
                let (kind, reason) = match problem {
                    Problem::Skip(r) => ("skipped", r),
                    Problem::Fail(r) => {
                        failed = true;
                        ("failed", r)
                    }
                };
                if json {
                    writeln!(out, "{}", json!({"path": file.path, kind: reason}))?;
                } else {
                    eprintln!(
                        "{} {}：{reason}",
                        if kind == "failed" { "失败" } else { "跳过" },
                        file.path
                    );
                }
                continue;
            }
        };
        for r in records {
            if json {
                writeln!(
                    out,
                    "{}",
                    json!({
                        "id": r.id,
                        "source": r.source,
                        "categories": r.categories,
                        "flags": r.flags,
                        "flag_evidence": r.flag_evidence,
                        "route": r.route,
                        "given_category": r.given_category,
                    })
                )?;
            } else {
                let mut at = r.source.path.clone();
                if let Some(row) = r.source.row {
                    at.push_str(&format!(" 第{row}行"));
                }
                let cats: Vec<String> = r
                    .categories
                    .iter()
                    .map(|c| format!("{}({:.2}: {})", c.code, c.score, c.evidence.join("、")))
                    .collect();
                writeln!(out, "{at}\n    类别 {}", cats.join("  "))?;
                if !r.flags.is_empty() {
                    let flags: Vec<String> = r
                        .flags
                        .iter()
                        .map(|f| {
                            let ev = r
                                .flag_evidence
                                .get(f)
                                .map(|e| e.join("、"))
                                .unwrap_or_default();
                            format!("{f}（{ev}）")
                        })
                        .collect();
                    writeln!(out, "    标记 {}", flags.join("  "))?;
                }
                if let Some(route) = &r.route {
                    writeln!(out, "    归口 {route}")?;
                }
            }
        }
    }
    Ok(if failed { PARTIAL } else { OK })
}

fn train(paths: &[PathBuf], common: &Common, folds: usize, json: bool) -> anyhow::Result<i32> {
    let engine = engine(common)?;
    let taxonomy = engine.classifier.taxonomy();
    let mut examples: Vec<(Vec<String>, String)> = Vec::new();
    let mut unlabelled = 0usize;
    for file in pipeline::read_files(&engine, paths, false) {
        let Ok(records) = file.records else {
            eprintln!("xinfang: {}: not read", file.path);
            continue;
        };
        for r in records {
            let Some(label) = r
                .given_category
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
            else {
                unlabelled += 1;
                continue;
            };
            // Learn taxonomy codes where the office's label maps onto one, so model and rules
            // speak the same scheme; keep the label itself otherwise.
            let class = taxonomy.code_for_label(label).unwrap_or(label).to_string();
            let text = xinfang::store::indexed_text(&r);
            let words = engine
                .segmenter
                .words(&text)
                .into_iter()
                .map(str::to_string)
                .collect();
            examples.push((words, class));
        }
    }
    if examples.is_empty() {
        anyhow::bail!("no labelled records found (a ledger needs a 问题类别/分类 column)");
    }
    let options = xinfang::classify::TrainOptions {
        folds,
        ..Default::default()
    };
    let (model, report) = xinfang::classify::train(&examples, &options)?;
    std::fs::create_dir_all(&common.index)?;
    let path = common.index.join(xinfang::engine::MODEL_FILE);
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, model.to_json())?;
    std::fs::rename(&tmp, &path)?;
    let unmapped: Vec<String> = model
        .classes
        .iter()
        .filter(|c| taxonomy.category(c).is_none())
        .cloned()
        .collect();
    if json {
        println!(
            "{}",
            json!({"model": path, "examples": examples.len(), "unlabelled": unlabelled,
                   "report": report, "unmapped_classes": unmapped})
        );
    } else {
        print!("{}", report.to_table());
        println!(
            "模型已保存：{}（训练样本 {} 条，无标签 {} 条）",
            path.display(),
            examples.len(),
            unlabelled
        );
        if !unmapped.is_empty() {
            println!(
                "以下标签未对应到分类代码（可在 taxonomy.toml 的 labels 中补充）：{}",
                unmapped.join("、")
            );
        }
    }
    Ok(OK)
}

fn linker(common: &Common) -> anyhow::Result<Linker> {
    if !common.index.join("meta.json").exists() {
        anyhow::bail!(
            "index {} does not exist yet: run `xinfang ingest` first",
            common.index.display()
        );
    }
    Ok(Linker::open(&common.index.join("link"))?)
}

fn repeats(common: &Common, json: bool) -> anyhow::Result<i32> {
    let linker = linker(common)?;
    let mut out = std::io::stdout().lock();
    let petitioners = linker.petitioner_groups();
    let duplicates = linker.duplicate_groups();
    for g in &petitioners {
        if json {
            writeln!(
                out,
                "{}",
                json!({"kind": "petitioner", "id": g.id, "names": g.names, "records": g.records,
                       "matters": g.matters, "evidence": g.evidence})
            )?;
        } else {
            writeln!(
                out,
                "信访人 {} {}：{} 件",
                g.id,
                g.names.join("/"),
                g.records.len()
            )?;
            for m in &g.matters {
                let levels: Vec<&str> = m.levels.iter().map(|l| l.zh()).collect();
                writeln!(
                    out,
                    "    事项 {}：{} 件，{} 至 {}，层级 {}",
                    m.category.as_deref().unwrap_or("未分类"),
                    m.count,
                    m.first_date.as_deref().unwrap_or("?"),
                    m.last_date.as_deref().unwrap_or("?"),
                    levels.join("→")
                )?;
            }
        }
    }
    for g in &duplicates {
        if json {
            writeln!(
                out,
                "{}",
                json!({"kind": "duplicate", "id": g.id, "records": g.records, "evidence": g.evidence})
            )?;
        } else {
            writeln!(
                out,
                "重复件 {}：{} 份，原件 {}，副本 {}",
                g.id,
                g.records.len(),
                g.records[0],
                g.records[1..].join("、")
            )?;
        }
    }
    if !json {
        writeln!(
            out,
            "重复信访人 {} 人，重复件 {} 组。",
            petitioners.len(),
            duplicates.len()
        )?;
    }
    Ok(OK)
}

fn similar(
    common: &Common,
    target: &str,
    limit: usize,
    json: bool,
    reveal: bool,
) -> anyhow::Result<i32> {
    let (engine, store) = open_store(common)?;
    let linker = linker(common)?;
    let searcher = store.searcher()?;
    let path = Path::new(target);
    let record = if path.exists() {
        let mut files = pipeline::read_files(&engine, &[path.to_path_buf()], true);
        match files.pop().map(|f| f.records) {
            Some(Ok(mut records)) if !records.is_empty() => records.remove(0),
            Some(Err(Problem::Fail(r) | Problem::Skip(r))) => anyhow::bail!("{target}: {r}"),
            _ => anyhow::bail!("{target}: no record in this file"),
        }
    } else {
        match store.record_by_id(&searcher, target)? {
            Some((r, _)) => r,
            None => anyhow::bail!("{target} is neither a file nor a record id"),
        }
    };
    let found = linker.similar(&record, limit);
    let mut out = std::io::stdout().lock();
    for (id, score, why) in &found {
        let Some((r, _)) = store.record_by_id(&searcher, id)? else {
            continue;
        };
        if json {
            let mut v = record_json(&r, reveal);
            v["similarity"] = json!(score);
            v["why"] = json!(why);
            writeln!(out, "{v}")?;
        } else {
            writeln!(out, "{id}  相似度 {score:.2}  {why}")?;
            writeln!(out, "    {}", headline(&r, reveal))?;
            if let Some(o) = &r.outcome {
                writeln!(out, "    办理结果：{o}")?;
            }
        }
    }
    if !json && found.is_empty() {
        writeln!(out, "没有找到相似的往期记录。")?;
    }
    Ok(if found.is_empty() { PARTIAL } else { OK })
}

fn evaluate(
    truth: &Path,
    common: &Common,
    json: bool,
    misses: bool,
    prefix: Option<&str>,
) -> anyhow::Result<i32> {
    use anyhow::Context;
    let (_engine, store) = open_store(common)?;
    // Streamed: truth lines are kept as text until their record comes out of the index.
    let mut evaluation = xinfang::eval::Evaluation::default();
    let file = std::fs::File::open(truth).with_context(|| format!("{}", truth.display()))?;
    for (i, line) in std::io::BufRead::lines(std::io::BufReader::new(file)).enumerate() {
        let line = line.with_context(|| format!("{}", truth.display()))?;
        evaluation
            .add_truth_line(&line, prefix.unwrap_or(""))
            .with_context(|| format!("{} line {}", truth.display(), i + 1))?;
    }
    xinfang::export::for_each_record(&store, |r| {
        evaluation.add_record(r);
        Ok(())
    })?;
    let report = evaluation.finish();
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.to_table());
        if misses {
            for m in &report.misses {
                println!("miss: {m}");
            }
        }
    }
    Ok(OK)
}

fn gen(options: &xinfang::gen::GenOptions, common: &Common, json: bool) -> anyhow::Result<i32> {
    let config = Config::load(common.config.as_deref())?;
    let report = xinfang::gen::generate(options, &config.gazetteer)?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "生成 {} 封来信、{} 行台账（{} 个文件，{:.1} MB），用时 {:.1} 秒：{}",
            report.letters,
            report.ledger_rows,
            report.files,
            report.bytes as f64 / 1e6,
            report.seconds,
            options.out.display()
        );
    }
    Ok(OK)
}
