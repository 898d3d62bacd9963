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
    /// headers.toml, taxonomy.toml, dict.txt).
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
        println!("{}", serde_json::to_string(&summary_json(&summary))?);
    } else {
        print_summary(&summary, &common.index);
    }
    Ok(if summary.failed.is_empty() { OK } else { PARTIAL })
}

fn summary_json(s: &IngestSummary) -> serde_json::Value {
    json!({
        "files": s.files,
        "records": s.records,
        "ingested": s.ingested,
        "replaced": s.replaced,
        "ocr_records": s.ocr_records,
        "skipped": s.skipped,
        "failed": s.failed,
        "total_records": s.total_records,
        "bytes": s.bytes,
        "seconds": s.seconds,
        "stages": s.stages,
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
    let _ = writeln!(out, "索引 {} 现有记录 {} 条。", index.display(), s.total_records);
    let unchanged = s
        .skipped
        .iter()
        .filter(|i| i.reason.starts_with("unchanged"))
        .count();
    if unchanged > 0 {
        let _ = writeln!(out, "未变化而跳过：{unchanged} 个文件。");
    }
    for i in s.skipped.iter().filter(|i| !i.reason.starts_with("unchanged")) {
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
    let store = Store::open(&common.index, &engine.segmenter)?;
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
    let searcher = store.index.reader()?.searcher();
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
            "信访人{:<4}{}  身份证 {}{}  电话 {}  住址 {}",
            i + 1,
            p.name.as_deref().unwrap_or("—"),
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
        if place.is_empty() { "—".to_string() } else { place.join(" ") }
    )?;
    writeln!(
        out,
        "受信层级  {}",
        r.addressee_level.map_or("—", |l| l.zh())
    )?;
    for c in &r.categories {
        writeln!(out, "类别      {} {:.2}  依据：{}", c.code, c.score, c.evidence.join("、"))?;
    }
    if let Some(g) = &r.given_category {
        writeln!(out, "台账类别  {g}")?;
    }
    for f in &r.flags {
        let ev = r.flag_evidence.get(f).map(|v| v.join("、")).unwrap_or_default();
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
    writeln!(out, "\n{}", r.text)?;
    Ok(OK)
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
