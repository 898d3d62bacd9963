//! The plain data model that flows through every stage: [`Record`] and its parts.
//!
//! Every stage of the pipeline (ingest → extract → segment → classify → link → index) reads and
//! fills a `Record`; no stage reaches into another's insides. This module holds data only: no
//! parsing, no I/O. The JSON shape produced by `serde` here *is* the shape of `xinfang export`,
//! which other tools rely on, so field names change only with a changelog entry.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the text of a record was obtained (`source.format` in the export).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A text file (a typed letter, or OCR output made elsewhere and saved as `.txt`).
    Text,
    /// Text xinfang itself recognised with Tesseract from a scanned page.
    Ocr,
    /// The text layer of a PDF.
    Pdf,
    /// One data row of a ledger (台账) spreadsheet or CSV file.
    Sheet,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Ocr => "ocr",
            Format::Pdf => "pdf",
            Format::Sheet => "sheet",
        }
    }
}

/// Where a record came from: enough to open the file and find the row or page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Path of the input file as given on the command line (joined with the walked sub-path).
    pub path: String,
    pub format: Option<Format>,
    /// Sheet name, for ledgers.
    pub sheet: Option<String>,
    /// 1-based row number as a spreadsheet program shows it, for ledgers.
    pub row: Option<u32>,
    /// 1-based page number of the first page of the letter, for PDFs.
    pub page: Option<u32>,
}

/// Validation state of a resident ID number (居民身份证号码, GB 11643-1999).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdStatus {
    /// 18 characters; region code, birth date and check character all valid.
    Valid,
    /// 15-digit legacy number with a plausible region code and birth date (no check character).
    Legacy,
    /// Looks like an ID number but fails validation (OCR error, typo, or damaged as a float in a
    /// spreadsheet). Kept for the clerk to see; never used as an identity key.
    Invalid,
}

/// One petitioner (信访人): the signer of a letter, one co-signer of a joint letter, or the
/// person named in a ledger row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Petitioner {
    pub name: Option<String>,
    /// Resident ID number exactly as read (after OCR clean-up), full: masking is the printer's job.
    pub id_number: Option<String>,
    pub id_status: Option<IdStatus>,
    /// Mobile (11 digits) or landline with area code (`0371-2345678`).
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Birth date (出生年月) as stated: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. Not read out of the ID
    /// number (that holds one already).
    #[serde(default)]
    pub birth: Option<String>,
    /// Account or user id in an online petition system (留言用户, 网上信访账号): identifies the
    /// same writer across messages, like a phone number.
    pub account: Option<String>,
}

/// Administrative place the petition concerns: county (县/区) → township (乡/镇/街道) → village
/// (村/社区).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub county: Option<String>,
    pub township: Option<String>,
    pub village: Option<String>,
}

/// The level of government a petition is addressed to (the 受信 level).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 县/区 (or below: a township letter counts as county-level handling).
    County,
    /// 市
    City,
    /// 省
    Province,
    /// 国家 (国家信访局, 中央, 进京)
    National,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::City => "city",
            Level::Province => "province",
            Level::National => "national",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "county" => Some(Level::County),
            "city" => Some(Level::City),
            "province" => Some(Level::Province),
            "national" => Some(Level::National),
            _ => None,
        }
    }

    /// The Chinese word a clerk reads.
    pub fn zh(self) -> &'static str {
        match self {
            Level::County => "县级",
            Level::City => "市级",
            Level::Province => "省级",
            Level::National => "国家级",
        }
    }
}

/// A matter category (信访事项分类) assigned to a record, with the words that justify it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    /// How strongly the record is on this matter; 0 for the fallback category a record gets when
    /// nothing matched (its matter is unknown).
    pub score: f32,
    /// Matched terms as they appear in the text.
    pub evidence: Vec<String>,
}

/// Where one extracted field was found: a ledger column, or a span of the letter's text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// Field name as in the export (`date`, `id_number`, `phone`, `name`, `headcount`, `place`,
    /// `addressee_level`, `title`).
    pub field: String,
    /// `column:<header>` for a ledger cell, `text` for the body of a letter, `filename` for the
    /// file name.
    pub from: String,
    /// The text that was read, as it appears in the source.
    pub text: String,
}

/// One petition: a letter, a PDF, or one ledger row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Stable id: the same file at the same path and row always gets the same id.
    pub id: String,
    pub source: Source,
    /// Date of the letter (the petitioner's own date), ISO `YYYY-MM-DD`.
    pub date: Option<String>,
    pub title: Option<String>,
    /// Cleaned text that is indexed and shown.
    pub text: String,
    /// The text exactly as decoded from the file, before OCR clean-up. The index stores it only
    /// when it differs from `text` (empty in the stored JSON means "same as `text`").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original: String,
    pub petitioners: Vec<Petitioner>,
    /// Number of people the petition speaks for (人数).
    pub headcount: Option<u32>,
    pub place: Place,
    pub addressee_level: Option<Level>,
    /// Category as written in a ledger's own category column (问题类别), verbatim.
    pub given_category: Option<String>,
    /// Handling result (办理结果 / 答复意见), for ledgers.
    pub outcome: Option<String>,
    pub categories: Vec<Category>,
    pub flags: Vec<String>,
    /// Evidence for each flag, keyed by flag name.
    pub flag_evidence: BTreeMap<String, Vec<String>>,
    /// Responsible unit (归口单位) chosen by routing.
    pub route: Option<String>,
    pub petitioner_id: Option<String>,
    pub duplicate_of: Option<String>,
    /// Ledger columns that matched no known header, by header text.
    pub extra: BTreeMap<String, String>,
    /// Where each extracted field was found.
    pub evidence: Vec<FieldEvidence>,
}
