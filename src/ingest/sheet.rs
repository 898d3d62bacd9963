//! Ledger reader: one [`Record`] per data row of a 信访登记台账 (registration ledger) kept as a
//! spreadsheet (.xlsx/.xlsm/.xlsb/.xls/.ods) or exported as CSV.
//!
//! Why it exists: most county offices keep their 来访/来信 register in Excel, and online petition
//! systems (网上信访, 12345, 留言板) export spreadsheets. Every office words its columns
//! differently, puts a title row (`清溪县信访局2023年信访登记台账`) and 填表单位 lines above the
//! header, merges group headers, stores ID numbers as numbers, types dates as text, and ends the
//! sheet with 合计/填表人 lines. This module finds the header row by matching column headers
//! against a synonym table ([`HeaderSynonyms`], shipped as `data/headers.toml`, extended by
//! users) and maps each column to a [`LedgerField`]; every other column is kept in
//! `Record::extra` under its header, so nothing a clerk typed is lost.
//!
//! What it must never do:
//! - invent records: a sheet without a recognisable ledger header (an inspection form, a chart,
//!   a pivot table) yields no records and a skip reason in [`LedgerOutput::sheets_skipped`];
//!   blank rows, rows holding only a 序号, repeated header rows and footer lines are not records;
//! - "repair" data: an ID number stored as text is kept exactly; an ID number stored as a
//!   floating-point number above 10^15 is already damaged in the file, so its digits are kept as
//!   they are, nothing is added, and it is marked [`IdStatus::Invalid`];
//! - panic or abort the whole run on a bad file: errors are values ([`SheetError`]);
//! - hold more than one sheet in memory: .xlsx sheets are streamed cell by cell, other formats are
//!   read one sheet at a time.
//!
//! Where the data comes from: the bytes of the file (the caller reads it and decides its
//! [`LedgerKind`] by sniffing its content), cell values as decoded by `calamine`, CSV text decoded
//! with `encoding_rs` (BOM → UTF-8 → `chardetng` guess, usually GBK from Chinese Excel).
//!
//! Dates: Excel serial dates and ODS ISO dates become `YYYY-MM-DD`; dates typed as text
//! (`2024年3月5日`, `二〇二四年三月五日`, `2024.3.5`, `2024/3/5 10:23`, `20240305`) are parsed here by
//! [`parse_text_date`]; text this module cannot read as a date is left verbatim in `Record::date`
//! for the extractor to try again, with the cell in `Record::evidence`.
//!
//! Identity columns without a `Record` field of their own go to `Record::extra` under stable ASCII
//! keys: `user_id` (留言用户, the pseudonymous account of an online system: the identity key for
//! linking repeat petitioners when there is no name or ID number), `serial_no` (the office's own
//! case number, 编号/登记号) and `channel` (来信/来访/网上). 序号 is a row counter and is dropped.

use crate::record::{FieldEvidence, Format, IdStatus, Petitioner, Record, Source};
use calamine::{Data, Reader, SheetType};
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Seek};
use std::path::Path;

/// The synonym table shipped with xinfang (`data/headers.toml`).
pub const DEFAULT_HEADERS_TOML: &str = include_str!("../../data/headers.toml");

/// How many non-empty rows at the top of a sheet are searched for the header row.
const HEADER_SCAN_ROWS: usize = 20;

pub const EXTRA_SERIAL_NO: &str = "serial_no";
pub const EXTRA_CHANNEL: &str = "channel";

/// What a ledger column means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LedgerField {
    /// 信访人 / 来访人 / 姓名: the petitioner's name (several names in one cell allowed).
    Name,
    /// 留言用户: pseudonymous account of an online petition system (stored as `extra["user_id"]`).
    UserId,
    /// 身份证号码.
    IdNumber,
    /// 联系电话.
    Phone,
    /// 住址.
    Address,
    /// 乡镇 / 街道 the matter concerns (→ `place.township`).
    Township,
    /// 村 / 社区 (→ `place.village`).
    Village,
    /// 信访日期 / 登记日期.
    Date,
    /// 反映问题 / 主要诉求 / 信访事项: the matter itself.
    Text,
    /// 标题 / 留言主题.
    Title,
    /// 问题类别: the office's own category (→ `given_category`, verbatim).
    Category,
    /// 人数.
    Headcount,
    /// 出生年月: the petitioner's birth date (`Petitioner::birth`).
    Birth,
    /// 办理结果 / 答复意见.
    Outcome,
    /// 信访形式: 来信 / 来访 / 网上信访 (stored as `extra["channel"]`).
    Channel,
    /// 编号 / 登记号: the office's case number (stored as `extra["serial_no"]`).
    SerialNo,
    /// 序号: a running row counter; recognised in headers, otherwise ignored.
    RowCounter,
}

impl LedgerField {
    const ALL: [LedgerField; 17] = [
        LedgerField::Name,
        LedgerField::UserId,
        LedgerField::IdNumber,
        LedgerField::Phone,
        LedgerField::Address,
        LedgerField::Township,
        LedgerField::Village,
        LedgerField::Date,
        LedgerField::Text,
        LedgerField::Title,
        LedgerField::Category,
        LedgerField::Headcount,
        LedgerField::Birth,
        LedgerField::Outcome,
        LedgerField::Channel,
        LedgerField::SerialNo,
        LedgerField::RowCounter,
    ];

    /// The key of this field in `headers.toml` (and, for most fields, the export field name used
    /// in `FieldEvidence::field`).
    pub fn key(self) -> &'static str {
        match self {
            LedgerField::Name => "name",
            LedgerField::UserId => "user_id",
            LedgerField::IdNumber => "id_number",
            LedgerField::Phone => "phone",
            LedgerField::Address => "address",
            LedgerField::Township => "township",
            LedgerField::Village => "village",
            LedgerField::Date => "date",
            LedgerField::Text => "text",
            LedgerField::Title => "title",
            LedgerField::Category => "category",
            LedgerField::Headcount => "headcount",
            LedgerField::Birth => "birth",
            LedgerField::Outcome => "outcome",
            LedgerField::Channel => "channel",
            LedgerField::SerialNo => "serial_no",
            LedgerField::RowCounter => "row_counter",
        }
    }

    pub fn from_key(key: &str) -> Option<LedgerField> {
        LedgerField::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Field name written into `FieldEvidence::field`.
    fn evidence_name(self) -> &'static str {
        match self {
            LedgerField::Category => "given_category",
            LedgerField::Township | LedgerField::Village => "place",
            other => other.key(),
        }
    }

    /// Fields that a person-word prefix (信访人姓名, 来访人电话) may precede.
    fn takes_person_prefix(self) -> bool {
        matches!(
            self,
            LedgerField::Name
                | LedgerField::IdNumber
                | LedgerField::Phone
                | LedgerField::Address
                | LedgerField::Headcount
                | LedgerField::Birth
        )
    }
}

/// The file type of a ledger, decided by the caller from content sniffing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// Office Open XML workbook (.xlsx, .xlsm): a zip with `xl/workbook.xml`.
    Xlsx,
    /// Excel binary workbook (.xlsb): a zip with `xl/workbook.bin`.
    Xlsb,
    /// Legacy BIFF workbook (.xls): an OLE2 compound file.
    Xls,
    /// OpenDocument spreadsheet (.ods).
    Ods,
    /// Comma-, tab- or semicolon-separated text in any common encoding.
    Csv,
}

/// Why a ledger file could not be read at all. Problems with single sheets are reported in
/// [`LedgerOutput::sheets_skipped`] instead.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    /// The file is damaged (truncated zip, broken XML, bad OLE2 container) or not a workbook.
    #[error("damaged or unreadable ledger file: {0}")]
    Corrupt(String),
    /// The file is a kind of workbook xinfang cannot read.
    #[error("unsupported ledger file: {0}")]
    Unsupported(String),
    /// The workbook is password-protected: ask the office for an unprotected copy.
    #[error("the workbook is password-protected (encrypted); save an unprotected copy")]
    Encrypted,
}

/// Records read from one ledger file, and the sheets that gave none, with the reason.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerOutput {
    pub records: Vec<Record>,
    /// `(sheet name, reason)` for every sheet that yielded no records, or stopped early.
    pub sheets_skipped: Vec<(String, String)>,
}

/// The header synonym table: which column header means which [`LedgerField`].
#[derive(Clone, Debug)]
pub struct HeaderSynonyms {
    exact: HashMap<String, LedgerField>,
    person_prefixes: Vec<String>,
    footer_words: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymFile {
    #[serde(default)]
    person_prefixes: Vec<String>,
    #[serde(default)]
    footer_words: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, Vec<String>>,
}

impl HeaderSynonyms {
    /// Parse a synonym table in the format of `data/headers.toml`. A header listed under two
    /// fields, an unknown field key or an empty header is an error.
    pub fn from_toml(s: &str) -> Result<Self, String> {
        let mut syn = HeaderSynonyms {
            exact: HashMap::new(),
            person_prefixes: Vec::new(),
            footer_words: Vec::new(),
        };
        syn.merge(s, false)?;
        Ok(syn)
    }

    /// The table shipped with xinfang (`data/headers.toml`).
    pub fn builtin() -> Self {
        // The shipped file is checked by a unit test; an empty table is the only safe fallback.
        HeaderSynonyms::from_toml(DEFAULT_HEADERS_TOML).unwrap_or_else(|_| HeaderSynonyms {
            exact: HashMap::new(),
            person_prefixes: Vec::new(),
            footer_words: Vec::new(),
        })
    }

    /// Add a user's table on top of this one. A header the user lists moves to the user's field;
    /// prefixes and footer words are added.
    pub fn extend_from_toml(&mut self, s: &str) -> Result<(), String> {
        self.merge(s, true)
    }

    fn merge(&mut self, s: &str, override_existing: bool) -> Result<(), String> {
        let file: SynonymFile = toml::from_str(s).map_err(|e| format!("header table: {e}"))?;
        let mut seen: HashMap<String, LedgerField> = HashMap::new();
        for (key, names) in &file.fields {
            let field = LedgerField::from_key(key).ok_or_else(|| {
                let known: Vec<&str> = LedgerField::ALL.iter().map(|f| f.key()).collect();
                format!(
                    "header table: unknown field `{key}` (known: {})",
                    known.join(", ")
                )
            })?;
            for name in names {
                let norm = normalize_header(name);
                if norm.is_empty() {
                    return Err(format!("header table: empty header under `{key}`"));
                }
                if let Some(other) = seen.get(&norm) {
                    if *other != field {
                        return Err(format!(
                            "header table: `{name}` is listed under both `{}` and `{key}`",
                            other.key()
                        ));
                    }
                }
                seen.insert(norm.clone(), field);
                if !override_existing {
                    if let Some(other) = self.exact.get(&norm) {
                        if *other != field {
                            return Err(format!(
                                "header table: `{name}` is listed under both `{}` and `{key}`",
                                other.key()
                            ));
                        }
                    }
                }
                self.exact.insert(norm, field);
            }
        }
        for p in file.person_prefixes {
            let norm = normalize_header(&p);
            if !norm.is_empty() && !self.person_prefixes.contains(&norm) {
                self.person_prefixes.push(norm);
            }
        }
        // Longest prefix first, so 信访人代表 wins over 信访人.
        self.person_prefixes
            .sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        for w in file.footer_words {
            let norm = fold_width(w.trim());
            if !norm.is_empty() && !self.footer_words.contains(&norm) {
                self.footer_words.push(norm);
            }
        }
        Ok(())
    }

    /// The field a column header means, if any. The header is normalised first (spaces, line
    /// breaks, bracketed notes such as （必填）, `*` marks and trailing colons removed).
    pub fn field_for(&self, header: &str) -> Option<LedgerField> {
        let norm = normalize_header(header);
        if norm.is_empty() {
            return None;
        }
        if let Some(f) = self.exact.get(&norm) {
            return Some(*f);
        }
        for prefix in &self.person_prefixes {
            if let Some(rest) = norm.strip_prefix(prefix.as_str()) {
                if let Some(f) = self.exact.get(rest) {
                    if f.takes_person_prefix() {
                        return Some(*f);
                    }
                }
            }
        }
        None
    }

    fn is_footer(&self, cell_text: &str) -> bool {
        let t = fold_width(cell_text.trim());
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        self.footer_words
            .iter()
            .any(|w| t.starts_with(w.as_str()) || compact.starts_with(w.as_str()))
    }
}

impl Default for HeaderSynonyms {
    fn default() -> Self {
        HeaderSynonyms::builtin()
    }
}

/// Fold full-width ASCII (Ａ-Ｚ, ０-９, （）：) to half-width and the ideographic space to a space.
fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Normalise a column header for matching: fold width, drop whitespace, bracketed notes
/// (`（必填）`, `(18位)`, `【手机】`), `*`/`※` required-field marks and trailing colons;
/// lower-case ASCII.
pub fn normalize_header(raw: &str) -> String {
    let folded = fold_width(raw);
    let mut out = String::with_capacity(folded.len());
    let mut depth = 0usize;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' | '〔' | '<' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '>' | '》' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() => {}
            '*' | '※' | '★' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    while out.ends_with(':') || out.ends_with('：') {
        out.pop();
    }
    out
}

/// Read every sheet of a workbook, or a CSV file, into one [`Record`] per data row.
///
/// `path` is only recorded in `Record::source.path`; the content is `bytes`. Sheets without a
/// recognisable ledger header give no records and an entry in `sheets_skipped`.
pub fn read_ledger(
    path: &Path,
    bytes: &[u8],
    kind: LedgerKind,
    syn: &HeaderSynonyms,
) -> Result<LedgerOutput, SheetError> {
    let path_str = path.to_string_lossy().into_owned();
    match kind {
        LedgerKind::Csv => read_csv(&path_str, path, bytes, syn),
        _ => read_workbook(&path_str, bytes, kind, syn),
    }
}

// ---------------------------------------------------------------------------------------------
// Workbooks

enum Workbook<'a> {
    /// .xlsx is streamed cell by cell.
    Xlsx(calamine::Xlsx<Cursor<&'a [u8]>>),
    /// Other formats are read one sheet range at a time.
    Other(calamine::Sheets<Cursor<&'a [u8]>>),
}

fn open_workbook(bytes: &[u8], kind: LedgerKind) -> Result<Workbook<'_>, SheetError> {
    use calamine::{open_workbook_from_rs, Ods, Sheets, Xls, Xlsb, Xlsx};
    let first = match kind {
        LedgerKind::Xlsx => open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes))
            .map(Workbook::Xlsx)
            .map_err(|e| (matches!(e, calamine::XlsxError::Password), e.to_string())),
        LedgerKind::Xls => open_workbook_from_rs::<Xls<_>, _>(Cursor::new(bytes))
            .map(|w| Workbook::Other(Sheets::Xls(w)))
            .map_err(|e| (matches!(e, calamine::XlsError::Password), e.to_string())),
        LedgerKind::Xlsb => open_workbook_from_rs::<Xlsb<_>, _>(Cursor::new(bytes))
            .map(|w| Workbook::Other(Sheets::Xlsb(w)))
            .map_err(|e| (matches!(e, calamine::XlsbError::Password), e.to_string())),
        LedgerKind::Ods => open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes))
            .map(|w| Workbook::Other(Sheets::Ods(w)))
            .map_err(|e| (matches!(e, calamine::OdsError::Password), e.to_string())),
        LedgerKind::Csv => unreachable_csv(),
    };
    let (password, message) = match first {
        Ok(wb) => return Ok(wb),
        Err(e) => e,
    };
    if password {
        return Err(SheetError::Encrypted);
    }
    // The sniffed kind may be wrong (an encrypted .xlsx is an OLE2 file like .xls; an .xlsm saved
    // as .xls): try the other readers before calling the file damaged.
    if let Err(calamine::XlsxError::Password) =
        open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes))
    {
        return Err(SheetError::Encrypted);
    }
    if kind != LedgerKind::Xlsx {
        if let Ok(w) = open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes)) {
            return Ok(Workbook::Xlsx(w));
        }
    }
    match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(Sheets::Xlsx(w)) => Ok(Workbook::Xlsx(w)),
        Ok(other) => Ok(Workbook::Other(other)),
        Err(_) => {
            if bytes.is_empty() {
                Err(SheetError::Corrupt("the file is empty".into()))
            } else if looks_like_text(bytes) {
                Err(SheetError::Unsupported(
                    "this is a text file, not a workbook; read it as CSV".into(),
                ))
            } else {
                Err(SheetError::Corrupt(message))
            }
        }
    }
}

/// `LedgerKind::Csv` never reaches the workbook reader; kept total without panicking.
fn unreachable_csv<T>() -> Result<T, (bool, String)> {
    Err((false, "CSV is not a workbook".into()))
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    !head.is_empty() && !head.contains(&0)
}

fn read_workbook(
    path: &str,
    bytes: &[u8],
    kind: LedgerKind,
    syn: &HeaderSynonyms,
) -> Result<LedgerOutput, SheetError> {
    let mut wb = open_workbook(bytes, kind)?;
    let sheets: Vec<(String, SheetType)> = match &wb {
        Workbook::Xlsx(x) => x
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.typ))
            .collect(),
        Workbook::Other(o) => o
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.typ))
            .collect(),
    };
    let mut out = LedgerOutput::default();
    let mut unreadable: Vec<String> = Vec::new();
    for (name, typ) in sheets {
        if typ != SheetType::WorkSheet {
            out.sheets_skipped
                .push((name, "not a worksheet (chart or dialog sheet)".into()));
            continue;
        }
        let mut ctx = SheetContext::new(path, Some(name.clone()), syn);
        let result = match &mut wb {
            Workbook::Xlsx(x) => match x.worksheet_cells_reader(&name) {
                Ok(reader) => ctx.run(XlsxRows::new(reader)),
                Err(calamine::XlsxError::NotAWorksheet(t)) => {
                    SheetResult::Skipped(format!("not a worksheet ({t})"))
                }
                Err(e) => SheetResult::Unreadable(e.to_string()),
            },
            Workbook::Other(o) => match o.worksheet_range(&name) {
                Ok(range) => ctx.run(RangeRows::new(&range)),
                Err(e) => SheetResult::Unreadable(e.to_string()),
            },
        };
        match result {
            SheetResult::Records(recs) => out.records.extend(recs),
            SheetResult::Skipped(reason) => out.sheets_skipped.push((name, reason)),
            SheetResult::Partial(recs, reason) => {
                out.records.extend(recs);
                out.sheets_skipped.push((name, reason));
            }
            SheetResult::Unreadable(e) => {
                unreadable.push(format!("sheet {name}: {e}"));
                out.sheets_skipped
                    .push((name, format!("sheet could not be read: {e}")));
            }
        }
    }
    if !unreadable.is_empty()
        && out.records.is_empty()
        && unreadable.len() == out.sheets_skipped.len()
    {
        return Err(SheetError::Corrupt(unreadable.join("; ")));
    }
    Ok(out)
}

/// Rows of an .xlsx sheet, streamed from its XML (cells arrive in row order).
struct XlsxRows<'a, RS: Read + Seek> {
    reader: calamine::XlsxCellReader<'a, RS>,
    pending: Option<(u32, u32, Data)>,
    done: bool,
}

impl<'a, RS: Read + Seek> XlsxRows<'a, RS> {
    fn new(reader: calamine::XlsxCellReader<'a, RS>) -> Self {
        XlsxRows {
            reader,
            pending: None,
            done: false,
        }
    }
}

fn place(cells: &mut Vec<Data>, col: u32, value: Data) {
    if is_blank(&value) {
        return;
    }
    let col = col as usize;
    if cells.len() <= col {
        cells.resize(col + 1, Data::Empty);
    }
    cells[col] = value;
}

impl<RS: Read + Seek> Iterator for XlsxRows<'_, RS> {
    type Item = Result<(u32, Vec<Data>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done && self.pending.is_none() {
            return None;
        }
        let mut row: Option<u32> = None;
        let mut cells = Vec::new();
        if let Some((r, c, v)) = self.pending.take() {
            row = Some(r);
            place(&mut cells, c, v);
        }
        while !self.done {
            match self.reader.next_cell() {
                Ok(Some(cell)) => {
                    let (r, c) = cell.get_position();
                    let value: Data = cell.get_value().clone().into();
                    match row {
                        None => {
                            row = Some(r);
                            place(&mut cells, c, value);
                        }
                        Some(cur) if cur == r => place(&mut cells, c, value),
                        Some(_) => {
                            self.pending = Some((r, c, value));
                            break;
                        }
                    }
                }
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    self.pending = None;
                    return Some(Err(e.to_string()));
                }
            }
        }
        row.map(|r| Ok((r + 1, cells)))
    }
}

/// Rows of a sheet already read into a calamine range, numbered as a spreadsheet shows them
/// (the range may start below row 1 or right of column A).
struct RangeRows<'r> {
    rows: calamine::Rows<'r, Data>,
    start_row: u32,
    start_col: usize,
    index: u32,
}

impl<'r> RangeRows<'r> {
    fn new(range: &'r calamine::Range<Data>) -> Self {
        let (start_row, start_col) = range.start().unwrap_or((0, 0));
        RangeRows {
            rows: range.rows(),
            start_row,
            start_col: start_col as usize,
            index: 0,
        }
    }
}

impl Iterator for RangeRows<'_> {
    type Item = Result<(u32, Vec<Data>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        let number = self.start_row + self.index + 1;
        self.index += 1;
        let mut cells = Vec::new();
        if row.iter().any(|c| !is_blank(c)) {
            cells.reserve(self.start_col + row.len());
            cells.resize(self.start_col, Data::Empty);
            cells.extend(row.iter().cloned());
        }
        Some(Ok((number, cells)))
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

fn read_csv(
    path_str: &str,
    path: &Path,
    bytes: &[u8],
    syn: &HeaderSynonyms,
) -> Result<LedgerOutput, SheetError> {
    let text = decode_text(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut number = 0u32;
    let rows = std::iter::from_fn(move || match reader.read_record(&mut record) {
        Ok(true) => {
            number += 1;
            let cells: Vec<Data> = if record.iter().all(|f| f.trim().is_empty()) {
                Vec::new()
            } else {
                record.iter().map(|f| Data::String(f.to_string())).collect()
            };
            Some(Ok((number, cells)))
        }
        Ok(false) => None,
        Err(e) => Some(Err(format!("CSV record {}: {e}", number + 1))),
    });
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path_str.to_string());
    let mut ctx = SheetContext::new(path_str, None, syn);
    let mut out = LedgerOutput::default();
    match ctx.run(rows) {
        SheetResult::Records(r) => out.records = r,
        SheetResult::Skipped(reason) => out.sheets_skipped.push((label, reason)),
        SheetResult::Partial(r, reason) => {
            out.records = r;
            out.sheets_skipped.push((label, reason));
        }
        SheetResult::Unreadable(e) => return Err(SheetError::Corrupt(e)),
    }
    Ok(out)
}

/// Decode a whole text file once: BOM (UTF-8, UTF-16LE/BE) → valid UTF-8 → `chardetng` guess.
fn decode_text(bytes: &[u8]) -> Result<String, SheetError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(text.into_owned());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    if bytes.iter().take(4096).filter(|b| **b == 0).count() > 8 {
        return Err(SheetError::Unsupported(
            "binary data, not a CSV text file (UTF-16 without a byte-order mark?)".into(),
        ));
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _, _) = enc.decode(bytes);
    Ok(text.into_owned())
}

/// Pick the separator that occurs most (outside quotes) in the first lines.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let cands = [b',', b'\t', b';', b'|'];
    let mut in_quotes = false;
    let mut lines = 0;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => {
                lines += 1;
                if lines >= 20 {
                    break;
                }
            }
            '，' => {}
            _ if !in_quotes => {
                if let Some(i) = cands.iter().position(|d| *d as char == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .unwrap_or((0, &0));
    if *n == 0 {
        b','
    } else {
        cands[best]
    }
}

// ---------------------------------------------------------------------------------------------
// Header detection and row mapping, common to all formats

enum SheetResult {
    Records(Vec<Record>),
    Skipped(String),
    /// Records read before an error stopped the sheet.
    Partial(Vec<Record>, String),
    Unreadable(String),
}

#[derive(Clone, Debug)]
struct Column {
    /// Header as written (whitespace removed), used in `extra` keys and evidence.
    header: String,
    /// Normalised header, to recognise repeated header rows.
    norm: String,
    field: Option<LedgerField>,
}

struct SheetContext<'a> {
    path: &'a str,
    sheet: Option<String>,
    syn: &'a HeaderSynonyms,
}

impl<'a> SheetContext<'a> {
    fn new(path: &'a str, sheet: Option<String>, syn: &'a HeaderSynonyms) -> Self {
        SheetContext { path, sheet, syn }
    }

    fn run<I>(&mut self, rows: I) -> SheetResult
    where
        I: Iterator<Item = Result<(u32, Vec<Data>), String>>,
    {
        let mut rows = rows;
        // Buffer the first non-empty rows to find the header.
        let mut head: Vec<(u32, Vec<Data>)> = Vec::new();
        let mut any_row = false;
        let mut error: Option<String> = None;
        for item in rows.by_ref() {
            match item {
                Ok((n, cells)) => {
                    any_row = true;
                    if cells.iter().any(|c| !is_blank(c)) {
                        head.push((n, cells));
                        if head.len() >= HEADER_SCAN_ROWS {
                            break;
                        }
                    }
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if head.is_empty() {
            return match error {
                Some(e) => SheetResult::Unreadable(e),
                None if any_row => {
                    SheetResult::Skipped("the sheet has no data (all rows blank)".into())
                }
                None => SheetResult::Skipped("empty sheet".into()),
            };
        }
        let Some((header_idx, columns)) = self.find_header(&head) else {
            let reason = match &error {
                Some(e) => format!("no header row found before a read error: {e}"),
                None => format!(
                    "no ledger header row found in the first {} non-empty rows (need two known \
                     column headers, one of them a name or a text column such as 信访人/反映问题)",
                    head.len()
                ),
            };
            return SheetResult::Skipped(reason);
        };
        let header_row = head[header_idx].0;
        let layout = Layout::new(columns);
        let mut records = Vec::new();
        for (n, cells) in head.drain(..).skip(header_idx + 1) {
            if let Some(r) = self.record_for(&layout, n, &cells) {
                records.push(r);
            }
        }
        if error.is_none() {
            for item in rows {
                match item {
                    Ok((n, cells)) => {
                        if let Some(r) = self.record_for(&layout, n, &cells) {
                            records.push(r);
                        }
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
        }
        match error {
            Some(e) => {
                let last = records
                    .last()
                    .and_then(|r: &Record| r.source.row)
                    .unwrap_or(header_row);
                SheetResult::Partial(records, format!("reading stopped after row {last}: {e}"))
            }
            None if records.is_empty() => SheetResult::Skipped(format!(
                "header found at row {header_row} but no data rows below it"
            )),
            None => SheetResult::Records(records),
        }
    }

    /// The header row among the first non-empty rows: the one with most recognised headers (at
    /// least two distinct fields, one of them a name or a text column). A cell left empty under
    /// a vertically merged header takes its text from the row just above (two-row headers).
    fn find_header(&self, head: &[(u32, Vec<Data>)]) -> Option<(usize, Vec<Column>)> {
        let mut best: Option<(usize, usize, Vec<Column>)> = None;
        for (i, (n, cells)) in head.iter().enumerate() {
            let above = if i > 0 && head[i - 1].0 + 1 == *n && non_blank_count(&head[i - 1].1) >= 2
            {
                Some(&head[i - 1].1)
            } else {
                None
            };
            let width = cells.len().max(above.map_or(0, |a| a.len()));
            let mut columns = Vec::with_capacity(width);
            for col in 0..width {
                let own = cells.get(col).map(cell_text).unwrap_or_default();
                let text = if own.trim().is_empty() {
                    above
                        .and_then(|a| a.get(col))
                        .map(cell_text)
                        .unwrap_or_default()
                } else {
                    own
                };
                let header: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                let field = if header.is_empty() {
                    None
                } else {
                    self.syn.field_for(&header)
                };
                columns.push(Column {
                    norm: normalize_header(&header),
                    header,
                    field,
                });
            }
            let matched = columns.iter().filter(|c| c.field.is_some()).count();
            let mut distinct: Vec<LedgerField> = columns.iter().filter_map(|c| c.field).collect();
            distinct.sort();
            distinct.dedup();
            let anchored = distinct
                .iter()
                .any(|f| matches!(f, LedgerField::Name | LedgerField::Text));
            if distinct.len() >= 2 && anchored && best.as_ref().is_none_or(|b| matched > b.1) {
                best = Some((i, matched, columns));
            }
        }
        best.map(|(i, _, cols)| (i, cols))
    }

    /// One record for a data row, or `None` for a blank, footer or repeated header row.
    fn record_for(&self, layout: &Layout, row: u32, cells: &[Data]) -> Option<Record> {
        // Fast path: a row with nothing under any header is blank (also a row holding only a
        // 序号, or a stray note right of the table). Sheets that declare 65,000 styled rows pass
        // here.
        let has_content = layout
            .content
            .iter()
            .any(|&col| cells.get(col).is_some_and(|c| !is_blank(c)));
        if !has_content {
            return None;
        }
        let first_text = cells
            .iter()
            .find(|c| !is_blank(c))
            .map(cell_text)
            .unwrap_or_default();
        if self.syn.is_footer(&first_text) {
            return None;
        }
        let repeats_header = cells
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                !is_blank(c)
                    && layout.columns.get(*i).is_some_and(|col| {
                        col.field.is_some() && normalize_header(&cell_text(c)) == col.norm
                    })
            })
            .count();
        if repeats_header >= 2 {
            return None;
        }

        let mut rec = Record {
            source: Source {
                path: self.path.to_string(),
                format: Some(Format::Sheet),
                sheet: self.sheet.clone(),
                row: Some(row),
                page: None,
            },
            ..Record::default()
        };
        let mut names: Option<String> = None;
        let mut person = Petitioner::default();
        let mut texts: Vec<(String, String)> = Vec::new();
        let mut outcomes: Vec<String> = Vec::new();
        let mut taken: Vec<LedgerField> = Vec::new();

        for (col, cell) in cells.iter().enumerate() {
            if is_blank(cell) {
                continue;
            }
            let Some(column) = layout.columns.get(col) else {
                let raw = cell_text(cell);
                if !raw.trim().is_empty() {
                    rec.extra
                        .insert(format!("{}列", column_letters(col)), raw.trim().to_string());
                }
                continue;
            };
            let raw = cell_text(cell);
            let value = raw.trim().to_string();
            if value.is_empty() {
                continue;
            }
            let Some(field) = column.field else {
                rec.extra
                    .insert(layout.extra_key(col, &column.header), value);
                continue;
            };
            let repeatable = matches!(field, LedgerField::Text | LedgerField::Outcome);
            if field == LedgerField::RowCounter {
                continue;
            }
            if !repeatable && taken.contains(&field) {
                // A second column of a single-valued field (登记日期 after 信访日期): kept as is.
                rec.extra
                    .insert(layout.extra_key(col, &column.header), value);
                continue;
            }
            taken.push(field);
            let mut evidence_text = value.clone();
            match field {
                LedgerField::Name => names = Some(value),
                LedgerField::UserId => person.account = Some(value),
                LedgerField::IdNumber => {
                    let (id, damaged) = id_from_cell(cell);
                    if damaged {
                        person.id_status = Some(IdStatus::Invalid);
                    }
                    evidence_text = id.clone();
                    person.id_number = Some(id);
                }
                LedgerField::Phone => person.phone = Some(value),
                LedgerField::Birth => {
                    // A date cell (1960-12-12), or text: 1960年12月, 1960.12, 196012.
                    person.birth = match cell {
                        Data::DateTime(_) | Data::DateTimeIso(_) => date_from_cell(cell),
                        _ => crate::extract::parse_birth(&value),
                    };
                }
                LedgerField::Address => person.address = Some(value),
                LedgerField::Township => rec.place.township = Some(value),
                LedgerField::Village => rec.place.village = Some(value),
                LedgerField::Date => {
                    let date = date_from_cell(cell);
                    evidence_text = match cell {
                        Data::String(_) => value,
                        _ => date.clone().unwrap_or(value),
                    };
                    rec.date = Some(date.unwrap_or_else(|| evidence_text.clone()));
                }
                LedgerField::Text => texts.push((raw.clone(), value)),
                LedgerField::Title => rec.title = Some(value),
                LedgerField::Category => rec.given_category = Some(value),
                LedgerField::Headcount => rec.headcount = headcount_from_cell(cell),
                LedgerField::Outcome => outcomes.push(value),
                LedgerField::Channel => {
                    rec.extra.insert(EXTRA_CHANNEL.into(), value);
                }
                LedgerField::SerialNo => {
                    rec.extra.insert(EXTRA_SERIAL_NO.into(), value);
                }
                LedgerField::RowCounter => {}
            }
            rec.evidence.push(FieldEvidence {
                field: field.evidence_name().to_string(),
                from: format!("column:{}", column.header),
                text: evidence_text,
            });
        }

        rec.text = texts
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        rec.original = texts
            .iter()
            .map(|(r, _)| r.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        if !outcomes.is_empty() {
            rec.outcome = Some(outcomes.join("\n"));
        }
        let name_list = names.as_deref().map(split_names).unwrap_or_default();
        let has_person = person.id_number.is_some()
            || person.phone.is_some()
            || person.address.is_some()
            || person.account.is_some();
        if name_list.is_empty() {
            if has_person {
                rec.petitioners.push(person);
            }
        } else {
            for (i, name) in name_list.into_iter().enumerate() {
                if i == 0 {
                    person.name = Some(name);
                    rec.petitioners.push(person.clone());
                } else {
                    rec.petitioners.push(Petitioner {
                        name: Some(name),
                        ..Petitioner::default()
                    });
                }
            }
        }
        Some(rec)
    }
}

struct Layout {
    columns: Vec<Column>,
    /// Columns with a header other than the row counter: a row with none of them filled is
    /// blank.
    content: Vec<usize>,
    /// `extra` key of each column (header, made unique, or `F列` for a column without header).
    extra_keys: Vec<String>,
}

impl Layout {
    fn new(columns: Vec<Column>) -> Self {
        let content = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.header.is_empty() && c.field != Some(LedgerField::RowCounter))
            .map(|(i, _)| i)
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let extra_keys = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let base = if c.header.is_empty() {
                    format!("{}列", column_letters(i))
                } else {
                    c.header.clone()
                };
                let n = seen.entry(base.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    base
                } else {
                    format!("{base}({})", column_letters(i))
                }
            })
            .collect();
        Layout {
            columns,
            content,
            extra_keys,
        }
    }

    fn extra_key(&self, col: usize, header: &str) -> String {
        self.extra_keys
            .get(col)
            .cloned()
            .unwrap_or_else(|| header.to_string())
    }
}

/// Spreadsheet column letters for a 0-based index: 0 → A, 27 → AB.
fn column_letters(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Cell values

fn is_blank(c: &Data) -> bool {
    match c {
        Data::Empty | Data::Error(_) => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn non_blank_count(cells: &[Data]) -> usize {
    cells.iter().filter(|c| !is_blank(c)).count()
}

/// A number as a clerk would read it: integers without `.0`, no exponent.
fn format_number(f: f64) -> String {
    // `Display` gives the shortest decimal that reads back as the same float and never an
    // exponent: 13935512345.0 → "13935512345"; a damaged 18-digit ID keeps its 15–17 significant
    // digits and is padded with zeros, as Excel shows it, with no invented tail.
    format!("{f}")
}

/// The text of a cell as a spreadsheet shows it (dates as ISO).
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if dt.is_duration() {
                let total = dt.as_f64() * 24.0;
                format!("{:.0}:{mm:02}:{ss:02}", total.floor())
            } else if hh == 0 && mm == 0 && ss == 0 {
                format!("{y:04}-{m:02}-{d:02}")
            } else if dt.as_f64() < 1.0 {
                format!("{hh:02}:{mm:02}:{ss:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

/// The ID number of a cell, and whether it was damaged by being stored as a number.
///
/// Text is kept exactly (trimmed). An integer is exact. A float above 10^15 has lost digits in
/// the file: its digits are kept as the shortest decimal that reads back as the same float, and
/// it is reported as damaged.
fn id_from_cell(c: &Data) -> (String, bool) {
    match c {
        Data::Float(f) => (format_number(*f), f.abs() > 1e15),
        other => (cell_text(other).trim().to_string(), false),
    }
}

/// ISO date of a date cell, if it can be read.
fn date_from_cell(c: &Data) -> Option<String> {
    match c {
        Data::DateTime(dt) if !dt.is_duration() && dt.as_f64() >= 1.0 => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Some(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::DateTimeIso(s) => parse_text_date(s),
        Data::String(s) => parse_text_date(s),
        Data::Int(i) => parse_text_date(&i.to_string()),
        // An undecorated serial number in a date column (a CSV from Excel without formats is
        // text, so this is a workbook cell that lost its date format): 1980-01-01 … 2099-12-31.
        Data::Float(f) if f.fract() == 0.0 && (29221.0..=73050.0).contains(f) => {
            let dt = calamine::ExcelDateTime::new(*f, calamine::ExcelDateTimeType::DateTime, false);
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Some(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::Float(f) if f.fract() == 0.0 => parse_text_date(&format_number(*f)),
        _ => None,
    }
}

fn headcount_from_cell(c: &Data) -> Option<u32> {
    match c {
        Data::Int(i) => u32::try_from(*i).ok(),
        Data::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= u32::MAX as f64 => Some(*f as u32),
        Data::String(s) => parse_headcount(s),
        _ => None,
    }
}

/// `5`, `5人`, `约30人`, `五人`, `十二人` → the number.
fn parse_headcount(s: &str) -> Option<u32> {
    let s = fold_width(s.trim());
    let digits: String = s
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if !digits.is_empty() {
        return digits.parse().ok();
    }
    let chars: Vec<char> = s.chars().collect();
    let start = chars
        .iter()
        .position(|c| zh_digit(*c).is_some() || *c == '十')?;
    let mut i = start;
    small_zh_number(&chars, &mut i)
}

fn zh_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' | 'O' | 'o' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// A number below 100 written in ASCII digits or Chinese numerals (三, 十二, 二十五, 三十一).
fn small_zh_number(chars: &[char], i: &mut usize) -> Option<u32> {
    let start = *i;
    let mut ascii = 0u32;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        ascii = ascii.checked_mul(10)?.checked_add(d)?;
        *i += 1;
    }
    if *i > start {
        return Some(ascii);
    }
    let mut value = 0u32;
    let mut current: Option<u32> = None;
    let mut seen_ten = false;
    while let Some(&c) = chars.get(*i) {
        if c == '十' || c == '拾' {
            if seen_ten {
                break;
            }
            seen_ten = true;
            value = current.unwrap_or(1) * 10;
            current = None;
        } else if let Some(d) = zh_digit(c).filter(|_| !matches!(c, 'O' | 'o' | 'Ｏ')) {
            if current.is_some() {
                break;
            }
            current = Some(d);
        } else {
            break;
        }
        *i += 1;
    }
    if *i == start {
        return None;
    }
    Some(value + current.unwrap_or(0))
}

/// Parse a date typed as text into `YYYY-MM-DD`: `2024年3月5日`, `二〇二四年三月五日`, `2024.3.5`,
/// `2024/3/5`, `2024-03-05`, `20240305`, each optionally followed by a time (`2019/4/25 9:32:09`)
/// or a word (`2024年3月5日上午`). `None` when the text is not a complete, valid date.
pub fn parse_text_date(raw: &str) -> Option<String> {
    let s = fold_width(raw.trim());
    // Spaces next to 年/月/日 are dropped (`2024 年 3 月 5 日`); a space before a time ends the date.
    let all: Vec<char> = s.chars().take(64).collect();
    let unit = |c: Option<&char>| matches!(c, Some('年' | '月' | '日' | '号'));
    let chars: Vec<char> = all
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            !c.is_whitespace() || !(unit(all.get(i + 1)) || (*i > 0 && unit(all.get(i - 1))))
        })
        .map(|(_, c)| *c)
        .collect();
    let digits_at = |from: usize| {
        chars[from.min(chars.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let valid = |y: i32, m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .filter(|_| (1900..=2100).contains(&y))
            .map(|date| date.format("%Y-%m-%d").to_string())
    };
    // Compact 20240305.
    if digits_at(0) == 8 {
        let n: String = chars[..8].iter().collect();
        let y = n[..4].parse().ok()?;
        let m = n[4..6].parse().ok()?;
        let d = n[6..8].parse().ok()?;
        return valid(y, m, d);
    }
    // Year: four ASCII digits or four Chinese digits.
    let mut i = 0;
    let year: i32 = if digits_at(0) == 4 {
        i = 4;
        chars[..4].iter().collect::<String>().parse().ok()?
    } else {
        let mut y = 0i32;
        for _ in 0..4 {
            y = y * 10 + zh_digit(*chars.get(i)?)? as i32;
            i += 1;
        }
        y
    };
    let sep = *chars.get(i)?;
    if !matches!(sep, '年' | '.' | '/' | '-' | '、') {
        return None;
    }
    i += 1;
    let month = small_zh_number(&chars, &mut i)?;
    let sep2 = *chars.get(i)?;
    let ok_sep2 = if sep == '年' {
        sep2 == '月'
    } else {
        sep2 == sep
    };
    if !ok_sep2 {
        return None;
    }
    i += 1;
    let day = small_zh_number(&chars, &mut i)?;
    if sep == '年' && matches!(chars.get(i), Some('日' | '号')) {
        i += 1;
    }
    if chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    valid(year, month, day)
}

/// Split a name cell holding several petitioners (`张三、李四`, `张三,李四`, `张三 李四`) and drop
/// a trailing `等` / `等5人`. A space inside a two-character name (`张 三`) does not split it.
fn split_names(cell: &str) -> Vec<String> {
    let folded = fold_width(cell);
    let parts: Vec<&str> = folded
        .split(['、', ',', '，', ';', '；', '/', '／', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut names = Vec::new();
    for part in parts {
        let words: Vec<&str> = part.split_whitespace().collect();
        if words.len() > 1 && words.iter().all(|w| w.chars().count() >= 2) {
            names.extend(words.iter().map(|w| strip_etc(w)));
        } else {
            names.push(strip_etc(&words.concat()));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// `张三等` / `张三等5人` / `张三等五人` → `张三`.
fn strip_etc(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if let Some(pos) = chars.iter().rposition(|c| *c == '等') {
        if pos >= 2 {
            let rest: String = chars[pos + 1..].iter().collect();
            let rest_ok = rest.is_empty()
                || ((rest.ends_with('人') || rest.ends_with('名'))
                    && rest
                        .chars()
                        .take(rest.chars().count() - 1)
                        .all(|c| c.is_ascii_digit() || zh_digit(c).is_some() || c == '十'));
            if rest_ok {
                return chars[..pos].iter().collect();
            }
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses() {
        let syn = HeaderSynonyms::from_toml(DEFAULT_HEADERS_TOML).expect("shipped table");
        assert_eq!(syn.field_for("信访人"), Some(LedgerField::Name));
        assert_eq!(syn.field_for(" 姓  名 "), Some(LedgerField::Name));
        assert_eq!(
            syn.field_for("身份证号码（必填）"),
            Some(LedgerField::IdNumber)
        );
        assert_eq!(syn.field_for("联系电话:"), Some(LedgerField::Phone));
        assert_eq!(syn.field_for("*反映问题\n"), Some(LedgerField::Text));
        assert_eq!(syn.field_for("信访人姓名"), Some(LedgerField::Name));
        assert_eq!(syn.field_for("来访人身份证号"), Some(LedgerField::IdNumber));
        assert_eq!(syn.field_for("信访人代表电话"), Some(LedgerField::Phone));
        assert_eq!(syn.field_for("留言用户"), Some(LedgerField::UserId));
        assert_eq!(syn.field_for("序号"), Some(LedgerField::RowCounter));
        assert_eq!(syn.field_for("乡镇（街道）"), Some(LedgerField::Township));
        assert_eq!(syn.field_for("答复时间"), None);
        assert_eq!(
            syn.field_for("信访人反映问题"),
            None,
            "prefix only for person fields"
        );
        assert_eq!(syn.field_for(""), None);
    }

    #[test]
    fn table_errors_are_reported() {
        let dup = "[fields]\nname = [\"姓名\"]\nphone = [\"姓名\"]\n";
        assert!(HeaderSynonyms::from_toml(dup).unwrap_err().contains("both"));
        let unknown = "[fields]\nnickname = [\"昵称\"]\n";
        assert!(HeaderSynonyms::from_toml(unknown)
            .unwrap_err()
            .contains("unknown field"));
        assert!(HeaderSynonyms::from_toml("fields = 3").is_err());
    }

    #[test]
    fn user_table_extends_and_overrides() {
        let mut syn = HeaderSynonyms::builtin();
        syn.extend_from_toml("[fields]\ntext = [\"群众诉求\"]\noutcome = [\"时间\"]\n")
            .unwrap();
        assert_eq!(syn.field_for("群众诉求"), Some(LedgerField::Text));
        assert_eq!(syn.field_for("时间"), Some(LedgerField::Outcome));
        assert_eq!(syn.field_for("信访日期"), Some(LedgerField::Date));
    }

    #[test]
    fn text_dates() {
        for (raw, want) in [
            ("2024年3月5日", Some("2024-03-05")),
            ("二〇二四年三月五日", Some("2024-03-05")),
            ("二〇二三年十二月三十一日", Some("2023-12-31")),
            ("2024.3.5", Some("2024-03-05")),
            ("2024/3/5", Some("2024-03-05")),
            ("2024-03-05", Some("2024-03-05")),
            ("2024-03-05T00:00:00", Some("2024-03-05")),
            ("2019/4/25 9:32:09", Some("2019-04-25")),
            ("20240305", Some("2024-03-05")),
            ("2024 年 3 月 5 日", Some("2024-03-05")),
            ("２０２４年３月５日", Some("2024-03-05")),
            ("2024年3月5日上午", Some("2024-03-05")),
            ("2024年2月30日", None),
            ("2024年3月", None),
            ("2024.3.5.6", Some("2024-03-05")),
            ("2024/3-5", None),
            ("三月五日", None),
            ("", None),
        ] {
            assert_eq!(parse_text_date(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn headcounts() {
        assert_eq!(parse_headcount("5人"), Some(5));
        assert_eq!(parse_headcount("约30人"), Some(30));
        assert_eq!(parse_headcount("十二人"), Some(12));
        assert_eq!(parse_headcount("五"), Some(5));
        assert_eq!(parse_headcount("不详"), None);
        assert_eq!(headcount_from_cell(&Data::Float(3.0)), Some(3));
        assert_eq!(headcount_from_cell(&Data::Int(-1)), None);
    }

    #[test]
    fn names_are_split() {
        assert_eq!(split_names("张三、李四"), vec!["张三", "李四"]);
        assert_eq!(split_names("张三，李四,王五"), vec!["张三", "李四", "王五"]);
        assert_eq!(split_names("张 三"), vec!["张三"]);
        assert_eq!(split_names("张三丰 李四"), vec!["张三丰", "李四"]);
        assert_eq!(split_names("王建国等5人"), vec!["王建国"]);
        assert_eq!(split_names("王建国等"), vec!["王建国"]);
        assert_eq!(split_names(" "), Vec::<String>::new());
    }

    #[test]
    fn numbers_and_ids() {
        assert_eq!(cell_text(&Data::Float(13935512345.0)), "13935512345");
        assert_eq!(cell_text(&Data::Float(2.5)), "2.5");
        let (id, damaged) = id_from_cell(&Data::String(" 41152819800101123X ".into()));
        assert_eq!((id.as_str(), damaged), ("41152819800101123X", false));
        let (id, damaged) = id_from_cell(&Data::Float(411528198001011234.0));
        assert!(damaged);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("4115281980010112"));
        let (id, damaged) = id_from_cell(&Data::Float(411528800101123.0));
        assert_eq!((id.as_str(), damaged), ("411528800101123", false));
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }

    #[test]
    fn csv_delimiters_and_encodings() {
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("姓名,反映问题\n张三,\"a,b\"\n"), b',');
        let (gbk, _, _) =
            encoding_rs::GBK.encode("姓名,反映问题\n张三,村里修路占了我家的承包地没有补偿\n");
        assert!(decode_text(&gbk).unwrap().starts_with("姓名,反映问题"));
    }

    fn row(cells: &[&str]) -> Vec<Data> {
        cells
            .iter()
            .map(|c| {
                if c.is_empty() {
                    Data::Empty
                } else {
                    Data::String(c.to_string())
                }
            })
            .collect()
    }

    fn run_rows(rows: Vec<(u32, Vec<Data>)>) -> SheetResult {
        let syn = HeaderSynonyms::builtin();
        let mut ctx = SheetContext::new("x.xlsx", Some("S".into()), &syn);
        ctx.run(rows.into_iter().map(Ok))
    }

    #[test]
    fn two_row_header_with_vertically_merged_cells() {
        let rows = vec![
            (1, row(&["清溪县信访局来访登记台账"])),
            (3, row(&["序号", "信访人信息", "", "", "反映问题", "备注"])),
            (4, row(&["", "姓名", "身份证号", "电话", "", ""])),
            (
                5,
                row(&[
                    "1",
                    "张三、李四",
                    "411528198001011234",
                    "13900000000",
                    "修路",
                    "急",
                ]),
            ),
            (6, row(&["2", "", "", "", "", ""])),
            (7, row(&["合计", "", "", "", "1件", ""])),
            (8, row(&["填表人：王芳"])),
        ];
        let SheetResult::Records(recs) = run_rows(rows) else {
            panic!("records expected")
        };
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.source.row, Some(5));
        assert_eq!(r.text, "修路");
        assert_eq!(r.petitioners.len(), 2);
        assert_eq!(r.petitioners[0].name.as_deref(), Some("张三"));
        assert_eq!(r.petitioners[0].phone.as_deref(), Some("13900000000"));
        assert_eq!(r.petitioners[1].name.as_deref(), Some("李四"));
        assert_eq!(r.petitioners[1].phone, None);
        assert_eq!(r.extra.get("备注").map(String::as_str), Some("急"));
    }

    #[test]
    fn repeated_header_rows_are_skipped() {
        let rows = vec![
            (1, row(&["姓名", "反映问题"])),
            (2, row(&["张三", "修路"])),
            (3, row(&["姓名", "反映问题"])),
            (4, row(&["李四", "拖欠工资"])),
        ];
        let SheetResult::Records(recs) = run_rows(rows) else {
            panic!("records expected")
        };
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].source.row, Some(4));
    }

    fn fixture(name: &str) -> Option<(std::path::PathBuf, Vec<u8>)> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sheets")
            .join(name);
        std::fs::read(&p).ok().map(|b| (p, b))
    }

    fn read_fixture(name: &str, kind: LedgerKind) -> LedgerOutput {
        let (p, bytes) = fixture(name).unwrap_or_else(|| panic!("fixture {name} missing"));
        read_ledger(&p, &bytes, kind, &HeaderSynonyms::builtin())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn evidence<'r>(r: &'r Record, field: &str) -> Vec<(&'r str, &'r str)> {
        r.evidence
            .iter()
            .filter(|e| e.field == field)
            .map(|e| (e.from.as_str(), e.text.as_str()))
            .collect()
    }

    /// The same workbook written by openpyxl and converted by LibreOffice reads the same.
    fn check_workbook(out: &LedgerOutput, label: &str) {
        let rows: Vec<(Option<&str>, Option<u32>)> = out
            .records
            .iter()
            .map(|r| (r.source.sheet.as_deref(), r.source.row))
            .collect();
        assert_eq!(
            rows,
            vec![
                (Some("来访登记"), Some(4)),
                (Some("来访登记"), Some(6)),
                (Some("来访登记"), Some(8)),
                (Some("来访登记"), Some(9)),
                (Some("来信登记"), Some(4)),
                (Some("来信登记"), Some(5)),
            ],
            "{label}"
        );
        assert_eq!(out.sheets_skipped.len(), 1, "{label}");
        assert_eq!(out.sheets_skipped[0].0, "说明");
        assert!(out.sheets_skipped[0].1.contains("no ledger header"));

        let r = &out.records[0];
        assert_eq!(r.source.format, Some(Format::Sheet));
        assert_eq!(r.date.as_deref(), Some("2024-03-05"), "{label} real date");
        assert_eq!(r.text, "村里修路占用我家承包地，至今没有补偿。");
        assert_eq!(r.petitioners.len(), 1);
        let p = &r.petitioners[0];
        assert_eq!(p.name.as_deref(), Some("张三"));
        assert_eq!(
            p.id_number.as_deref(),
            Some("411528198001011236"),
            "{label} text ID"
        );
        assert_eq!(p.id_status, None);
        assert_eq!(
            p.phone.as_deref(),
            Some("13935512345"),
            "{label} numeric phone"
        );
        assert_eq!(p.address.as_deref(), Some("清溪县城关镇东关村"));
        assert_eq!(r.given_category.as_deref(), Some("征地补偿"));
        assert_eq!(r.headcount, Some(1));
        assert_eq!(r.outcome.as_deref(), Some("已转城关镇办理"));
        assert_eq!(r.extra.get("经办人").map(String::as_str), Some("王芳"));
        assert_eq!(r.extra.len(), 1, "{label}: 序号 is not kept");
        assert_eq!(evidence(r, "name"), vec![("column:信访人", "张三")]);
        assert_eq!(evidence(r, "date"), vec![("column:信访日期", "2024-03-05")]);
        assert!(r.id.is_empty());

        let r = &out.records[1];
        assert_eq!(
            r.date.as_deref(),
            Some("2024-03-05"),
            "{label} 2024年3月5日"
        );
        assert_eq!(
            evidence(r, "date"),
            vec![("column:信访日期", "2024年3月5日")]
        );
        assert_eq!(r.petitioners.len(), 2);
        let p = &r.petitioners[0];
        assert_eq!(p.name.as_deref(), Some("李四"));
        let id = p.id_number.as_deref().unwrap_or_default();
        assert_eq!(id.len(), 18, "{label}: {id}");
        assert!(id.starts_with("411528197505061"), "{label}: {id}");
        assert_eq!(
            p.id_status,
            Some(IdStatus::Invalid),
            "{label} numeric ID is damaged"
        );
        assert_eq!(p.phone.as_deref(), Some("0371-2345678"));
        assert_eq!(r.petitioners[1].name.as_deref(), Some("王五"));
        assert_eq!(r.petitioners[1].id_number, None);
        assert_eq!(r.headcount, Some(5), "{label} 5人");
        assert_eq!(r.outcome, None);

        let r = &out.records[2];
        assert_eq!(
            r.date.as_deref(),
            Some("2024-03-05"),
            "{label} 二〇二四年三月五日"
        );
        assert_eq!(r.petitioners[0].phone.as_deref(), Some("13800001111"));
        assert_eq!(r.given_category, None);
        let r = &out.records[3];
        assert_eq!(r.date.as_deref(), Some("2024-03-05"), "{label} 2024.3.5");
        assert_eq!(r.petitioners[0].phone, None);
        assert_eq!(r.headcount, None);

        // Two-row header, data from column B, 编号 kept as serial_no.
        let r = &out.records[4];
        assert_eq!(r.date.as_deref(), Some("2024-01-12"), "{label} date-time");
        assert_eq!(r.text, "反映低保评定不公。\n请求重新评定。");
        assert_eq!(r.outcome.as_deref(), Some("经核查，已重新评定。"));
        assert_eq!(
            r.extra.get(EXTRA_SERIAL_NO).map(String::as_str),
            Some("QX2024-0007")
        );
        let p = &r.petitioners[0];
        assert_eq!(p.name.as_deref(), Some("周八"));
        assert_eq!(p.id_number.as_deref(), Some("411528198507070014"));
        assert_eq!(p.phone.as_deref(), Some("15937100001"));
        assert_eq!(
            evidence(r, "id_number"),
            vec![("column:身份证号（必填）", "411528198507070014")]
        );
        let r = &out.records[5];
        assert_eq!(r.petitioners.len(), 1);
        assert_eq!(
            r.petitioners[0].name.as_deref(),
            Some("吴九"),
            "{label} 等3人"
        );
        assert_eq!(r.date.as_deref(), Some("2024-01-15"));
    }

    #[test]
    fn fixture_xlsx() {
        check_workbook(&read_fixture("ledger.xlsx", LedgerKind::Xlsx), "xlsx");
    }

    #[test]
    fn fixture_xls_from_libreoffice() {
        check_workbook(&read_fixture("ledger.xls", LedgerKind::Xls), "xls");
    }

    #[test]
    fn fixture_ods_from_libreoffice() {
        check_workbook(&read_fixture("ledger.ods", LedgerKind::Ods), "ods");
    }

    fn check_csv(out: &LedgerOutput, label: &str) {
        let rows: Vec<Option<u32>> = out.records.iter().map(|r| r.source.row).collect();
        assert_eq!(rows, vec![Some(3), Some(4), Some(6), Some(7)], "{label}");
        assert!(out.sheets_skipped.is_empty());
        let r = &out.records[0];
        assert_eq!(r.source.sheet, None);
        assert_eq!(r.date.as_deref(), Some("2024-03-05"));
        assert_eq!(r.petitioners[0].name.as_deref(), Some("张三"));
        assert_eq!(r.petitioners[0].phone.as_deref(), Some("13935512345"));
        let r = &out.records[1];
        assert_eq!(
            r.petitioners[0].id_number.as_deref(),
            Some("411528197505061232")
        );
        assert_eq!(
            r.petitioners[0].id_status, None,
            "{label}: text ID is exact"
        );
        assert_eq!(r.headcount, Some(5));
        assert_eq!(r.given_category.as_deref(), Some("劳动保障"));
        let r = &out.records[2];
        assert_eq!(r.text, "小区物业乱收费，\n电梯常年失修。", "{label}");
        assert_eq!(r.date.as_deref(), Some("2024-03-05"));
        assert_eq!(out.records[3].date.as_deref(), Some("2024-03-05"));
    }

    #[test]
    fn fixture_csv_gbk() {
        check_csv(&read_fixture("ledger-gbk.csv", LedgerKind::Csv), "gbk");
    }

    #[test]
    fn fixture_csv_utf8_bom() {
        check_csv(&read_fixture("ledger-utf8-bom.csv", LedgerKind::Csv), "bom");
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let syn = HeaderSynonyms::builtin();
        let (p, bytes) = fixture("ledger.xlsx").expect("fixture");
        for cut in [10, 100, bytes.len() / 2, bytes.len() - 30] {
            let r = read_ledger(&p, &bytes[..cut], LedgerKind::Xlsx, &syn);
            assert!(matches!(r, Err(SheetError::Corrupt(_))), "cut {cut}: {r:?}");
        }
        let (p, bytes) = fixture("ledger.xls").expect("fixture");
        let r = read_ledger(&p, &bytes[..bytes.len() / 2], LedgerKind::Xls, &syn);
        assert!(r.is_err() || r.is_ok_and(|o| o.records.len() <= 6));
        let r = read_ledger(&p, b"", LedgerKind::Ods, &syn);
        assert!(matches!(r, Err(SheetError::Corrupt(_))), "{r:?}");
        let r = read_ledger(&p, "姓名,反映问题\n".as_bytes(), LedgerKind::Xlsx, &syn);
        assert!(matches!(r, Err(SheetError::Unsupported(_))), "{r:?}");
        let r = read_ledger(
            &p,
            &[0u8, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0],
            LedgerKind::Csv,
            &syn,
        );
        assert!(matches!(r, Ok(ref o) if o.records.is_empty()), "{r:?}");
    }

    #[test]
    fn birth_column() {
        let p = Path::new("台账.csv");
        let csv = "姓名,出生年月,反映问题\n王红,1935年7月,反映低保问题\n李四,1960.12,反映拆迁补偿\n张三,不详,反映工资拖欠\n";
        let out = read_ledger(
            p,
            csv.as_bytes(),
            LedgerKind::Csv,
            &HeaderSynonyms::builtin(),
        )
        .unwrap();
        let births: Vec<Option<&str>> = out
            .records
            .iter()
            .map(|r| r.petitioners[0].birth.as_deref())
            .collect();
        assert_eq!(births, [Some("1935-07"), Some("1960-12"), None]);
    }

    /// Real spreadsheets published by third parties (see ../shared/data/real/README.md). Skipped
    /// with a note when absent; `XINFANG_REAL_DATA` points elsewhere.
    fn real_sheet(name: &str) -> Option<(std::path::PathBuf, Vec<u8>)> {
        let base = std::env::var_os("XINFANG_REAL_DATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real"));
        let p = base.join("sheets").join(name);
        match std::fs::read(&p) {
            Ok(b) => Some((p, b)),
            Err(_) => {
                eprintln!("note: {} absent, test skipped", p.display());
                None
            }
        }
    }

    #[test]
    fn real_teddy_sample_495() {
        let Some((p, bytes)) = real_sheet("teddy2020c-messages-sample495.xlsx") else {
            return;
        };
        let t = std::time::Instant::now();
        let out = read_ledger(&p, &bytes, LedgerKind::Xlsx, &HeaderSynonyms::builtin()).unwrap();
        eprintln!(
            "teddy sample: {} records in {:?}",
            out.records.len(),
            t.elapsed()
        );
        assert_eq!(out.records.len(), 495);
        assert!(out.sheets_skipped.is_empty());
        let r = &out.records[0];
        assert_eq!(r.source.row, Some(2));
        assert_eq!(r.source.sheet.as_deref(), Some("Sheet1"));
        assert_eq!(
            r.title.as_deref(),
            Some("A市西湖建筑集团占道施工有安全隐患")
        );
        assert_eq!(r.date.as_deref(), Some("2020-01-06"));
        assert!(
            r.text
                .starts_with("A3区大道西行便道，未管所路口至加油站路段"),
            "{}",
            r.text
        );
        assert_eq!(r.given_category.as_deref(), Some("城乡建设"));
        assert_eq!(r.petitioners.len(), 1);
        assert_eq!(r.petitioners[0].account.as_deref(), Some("A00074011"));
        assert_eq!(r.petitioners[0].name, None);
        assert_eq!(r.extra.get(EXTRA_SERIAL_NO).map(String::as_str), Some("24"));
        assert_eq!(out.records[494].source.row, Some(496));
        assert!(out
            .records
            .iter()
            .all(|r| !r.text.is_empty() && r.date.as_deref().is_some_and(|d| d.len() == 10)));
    }

    #[test]
    fn real_teddy_with_replies() {
        let Some((p, bytes)) = real_sheet("teddy2020c-messages-with-replies.xlsx") else {
            return;
        };
        let t = std::time::Instant::now();
        let out = read_ledger(&p, &bytes, LedgerKind::Xlsx, &HeaderSynonyms::builtin()).unwrap();
        eprintln!(
            "teddy replies: {} records in {:?}",
            out.records.len(),
            t.elapsed()
        );
        assert_eq!(out.records.len(), 2816);
        let r = &out.records[0];
        assert_eq!(r.date.as_deref(), Some("2019-04-25"));
        assert!(r
            .outcome
            .as_deref()
            .is_some_and(|o| o.starts_with("现将网友")));
        assert_eq!(
            r.extra.get("答复时间").map(String::as_str),
            Some("2019/5/10 14:56:53")
        );
        let users: std::collections::HashSet<&str> = out
            .records
            .iter()
            .filter_map(|r| r.petitioners.first()?.account.as_deref())
            .collect();
        assert!(users.len() < 2816, "repeat users share a user_id");
    }

    #[test]
    fn real_small_register() {
        let Some((p, bytes)) = real_sheet("small-register.xlsx") else {
            return;
        };
        let out = read_ledger(&p, &bytes, LedgerKind::Xlsx, &HeaderSynonyms::builtin()).unwrap();
        let rows: Vec<Option<u32>> = out.records.iter().map(|r| r.source.row).collect();
        assert_eq!(rows, vec![Some(2), Some(3), Some(4), Some(5), Some(6)]);
        let r = &out.records[0];
        assert_eq!(r.date.as_deref(), Some("2021-01-11"));
        assert_eq!(r.petitioners[0].name.as_deref(), Some("城北"));
        assert_eq!(r.extra.get("开始号").map(String::as_str), Some("000000123"));
        assert_eq!(
            r.extra.get("段号").map(String::as_str),
            Some("000000123-000000138")
        );
        assert_eq!(
            r.extra.get("退回时间").map(String::as_str),
            Some("2021-01-11")
        );
        let last = &out.records[4];
        assert_eq!(
            last.extra.get("开始号").map(String::as_str),
            Some("000000180")
        );
        assert_eq!(last.date, None);
        assert!(last.petitioners.is_empty());
    }

    #[test]
    fn real_merged_cell_forms_give_no_records() {
        let Some((p, bytes)) = real_sheet("merged-cells-forms.xls") else {
            return;
        };
        let out = read_ledger(&p, &bytes, LedgerKind::Xls, &HeaderSynonyms::builtin()).unwrap();
        assert!(out.records.is_empty());
        assert_eq!(out.sheets_skipped.len(), 5);
        assert!(out
            .sheets_skipped
            .iter()
            .all(|(_, reason)| !reason.is_empty()));
    }

    #[test]
    fn non_ledger_is_skipped_with_reason() {
        let rows = vec![
            (1, row(&["公路养护检查表"])),
            (2, row(&["检查项目", "检查内容", "得分"])),
            (3, row(&["路面", "平整", "10"])),
        ];
        let SheetResult::Skipped(reason) = run_rows(rows) else {
            panic!("skip expected")
        };
        assert!(reason.contains("no ledger header"), "{reason}");
    }
}
