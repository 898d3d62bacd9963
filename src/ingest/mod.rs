//! Reading input files into records: format sniffing and dispatch, one sub-module per format.
//!
//! The format is decided by content first (PDF, ZIP and OLE signatures, image magic numbers) and
//! by extension second (`.csv`, `.txt`), so a ledger saved with the wrong extension, or a PNG
//! renamed `.pdf`, is read for what it is. Every outcome is a value: records, a skip with its
//! reason, or a failure with its reason; nothing here prints, panics or stops a batch.
//!
//! The records returned carry their source, text and whatever the format itself knows (a
//! ledger's columns); field extraction, ids and classification happen later in the pipeline.

pub mod pdf;
pub mod sheet;
pub mod text;

use crate::record::{Format, Record, Source};
use sheet::{HeaderSynonyms, LedgerKind};
use std::path::Path;

/// What a file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Text,
    Pdf,
    Ledger(LedgerKind),
    /// A scanned page as an image (PNG, JPEG, TIFF).
    Image,
    /// Something xinfang does not read; the reason says what it is.
    Unsupported(&'static str),
}

/// Why a file produced no records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not an error: the file is not a petition input (or unchanged); the reason says why.
    Skip(String),
    /// The file should have been read but could not be; the reason says why.
    Fail(String),
}

/// Decide what a file is from its first bytes and its name.
pub fn sniff(path: &Path, bytes: &[u8]) -> FileKind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(b"%PDF-") || find(head, b"%PDF-").is_some() {
        return FileKind::Pdf;
    }
    if head.starts_with(b"PK\x03\x04") {
        if find(
            bytes,
            b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
        )
        .is_some()
        {
            return FileKind::Ledger(LedgerKind::Ods);
        }
        if find(bytes, b"xl/workbook.bin").is_some() {
            return FileKind::Ledger(LedgerKind::Xlsb);
        }
        if find(bytes, b"xl/").is_some() {
            return FileKind::Ledger(LedgerKind::Xlsx);
        }
        if find(bytes, b"word/").is_some() {
            return FileKind::Unsupported("Word document (.docx): save it as PDF to ingest it");
        }
        return match ext.as_str() {
            "xlsx" | "xlsm" => FileKind::Ledger(LedgerKind::Xlsx),
            "ods" => FileKind::Ledger(LedgerKind::Ods),
            _ => FileKind::Unsupported("ZIP archive: unpack it and ingest the folder"),
        };
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext.as_str() {
            "doc" => FileKind::Unsupported("Word 97-2003 document (.doc): save it as PDF"),
            _ => FileKind::Ledger(LedgerKind::Xls),
        };
    }
    if head.starts_with(b"\x89PNG")
        || head.starts_with(&[0xFF, 0xD8, 0xFF])
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
    {
        return FileKind::Image;
    }
    match ext.as_str() {
        "csv" => FileKind::Ledger(LedgerKind::Csv),
        "xlsx" | "xlsm" | "xls" | "ods" | "pdf" => {
            // The extension promises a binary format the content does not have.
            FileKind::Unsupported("content does not match its extension")
        }
        "txt" | "text" | "" => FileKind::Text,
        "doc" | "docx" | "wps" => {
            FileKind::Unsupported("Word document: save it as PDF to ingest it")
        }
        "jpg" | "jpeg" | "png" | "tif" | "tiff" => FileKind::Image,
        "zip" | "rar" | "7z" | "gz" => {
            FileKind::Unsupported("archive: unpack it and ingest the folder")
        }
        _ => FileKind::Unsupported("not a letter (.txt), PDF, image or ledger file"),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Read the records of one file. `display_path` is what goes into `source.path`.
pub fn read(
    display_path: &str,
    path: &Path,
    bytes: &[u8],
    synonyms: &HeaderSynonyms,
    ocr: bool,
) -> Result<Vec<Record>, Problem> {
    let kind = sniff(path, bytes);
    match kind {
        FileKind::Unsupported(why) => {
            if bytes.is_empty() {
                return Err(Problem::Fail("empty file (0 bytes)".into()));
            }
            // A file that claims to be a PDF or workbook but is not is broken, not foreign.
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(
                ext.to_ascii_lowercase().as_str(),
                "pdf" | "xlsx" | "xls" | "ods" | "xlsm"
            ) {
                return Err(Problem::Fail(format!("not a valid .{ext} file: {why}")));
            }
            Err(Problem::Skip(format!("unsupported: {why}")))
        }
        FileKind::Text => read_text(display_path, bytes),
        FileKind::Pdf => read_pdf(display_path, path, bytes, ocr),
        FileKind::Image => read_image(display_path, path, ocr),
        FileKind::Ledger(kind) => {
            let out = sheet::read_ledger(path, bytes, kind, synonyms)
                .map_err(|e| Problem::Fail(e.to_string()))?;
            let mut records = out.records;
            for r in &mut records {
                r.source.path = display_path.to_string();
            }
            if records.is_empty() {
                let why = if out.sheets_skipped.is_empty() {
                    "no data rows".to_string()
                } else {
                    out.sheets_skipped
                        .iter()
                        .map(|(s, r)| format!("sheet {s}: {r}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                return Err(Problem::Skip(format!("no ledger records ({why})")));
            }
            Ok(records)
        }
    }
}

fn letter(display_path: &str, format: Format, original: String, text: String) -> Record {
    Record {
        source: Source {
            path: display_path.to_string(),
            format: Some(format),
            ..Source::default()
        },
        text,
        original,
        ..Record::default()
    }
}

fn read_text(display_path: &str, bytes: &[u8]) -> Result<Vec<Record>, Problem> {
    let decoded = text::decode(bytes).map_err(|e| Problem::Fail(e.to_string()))?;
    // A text file is `text` even when it holds OCR output made elsewhere: `ocr` marks text that
    // xinfang itself recognised. The clean-up below is safe on typed text too.
    let cleaned = text::clean_ocr(&decoded.text);
    if !cleaned.chars().any(crate::segment::is_han) {
        return Err(Problem::Fail(
            "no Chinese text in the file (junk or wrong encoding)".into(),
        ));
    }
    Ok(vec![letter(
        display_path,
        Format::Text,
        decoded.text,
        cleaned,
    )])
}

fn read_pdf(
    display_path: &str,
    path: &Path,
    bytes: &[u8],
    ocr: bool,
) -> Result<Vec<Record>, Problem> {
    use pdf::PageQuality;
    let doc = pdf::read_pdf(bytes).map_err(|e| Problem::Fail(e.to_string()))?;
    let unreadable: Vec<u32> = doc
        .pages
        .iter()
        .filter(|p| p.quality != PageQuality::Text)
        .map(|p| p.number)
        .collect();
    let mut texts: Vec<(u32, String)> = doc
        .pages
        .iter()
        .filter(|p| p.quality == PageQuality::Text)
        .map(|p| (p.number, p.text.clone()))
        .collect();
    let mut format = Format::Pdf;
    if !unreadable.is_empty() {
        let garbage = doc.pages.iter().any(|p| p.quality == PageQuality::Garbage);
        let what = if garbage {
            "its text layer is not readable text (unmapped font encoding)"
        } else {
            "scanned pages without a text layer"
        };
        if !ocr {
            return Err(Problem::Fail(format!(
                "needs OCR: {what} (pages {}); OCR is switched off",
                page_list(&unreadable)
            )));
        }
        if !pdf::tesseract_available() {
            return Err(Problem::Fail(format!(
                "needs OCR: {what} (pages {}); install tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils to read it",
                page_list(&unreadable)
            )));
        }
        let ocred = pdf::ocr_pages(path, &unreadable)
            .map_err(|e| Problem::Fail(format!("needs OCR: OCR failed: {e}")))?;
        texts.extend(ocred);
        texts.sort_by_key(|(n, _)| *n);
        format = Format::Ocr;
    }
    let original: String = texts
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let cleaned = text::clean_ocr(&original);
    if !cleaned.chars().any(crate::segment::is_han) {
        return Err(Problem::Fail(if doc.pages.is_empty() {
            "PDF has no pages".into()
        } else {
            "needs OCR: PDF has no Chinese text".into()
        }));
    }
    let mut record = letter(display_path, format, original, cleaned);
    record.source.page = texts.first().map(|(n, _)| *n);
    Ok(vec![record])
}

fn read_image(display_path: &str, path: &Path, ocr: bool) -> Result<Vec<Record>, Problem> {
    if !ocr || !pdf::tesseract_available() {
        return Err(Problem::Fail(
            "needs OCR: scanned image; install tesseract-ocr and tesseract-ocr-chi-sim to read it"
                .into(),
        ));
    }
    let raw = pdf::ocr_image(path).map_err(|e| Problem::Fail(format!("OCR failed: {e}")))?;
    let cleaned = text::clean_ocr(&raw);
    if !cleaned.chars().any(crate::segment::is_han) {
        return Err(Problem::Fail(
            "OCR found no Chinese text in the image".into(),
        ));
    }
    Ok(vec![letter(display_path, Format::Ocr, raw, cleaned)])
}

/// `[1,2,3,5]` → `1-3, 5`.
fn page_list(pages: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < pages.len() {
        let start = pages[i];
        let mut end = start;
        while i + 1 < pages.len() && pages[i + 1] == end + 1 {
            i += 1;
            end = pages[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_before_extension() {
        let p = Path::new("x.txt");
        assert_eq!(sniff(p, b"%PDF-1.7\n"), FileKind::Pdf);
        assert_eq!(sniff(Path::new("a.pdf"), b"\x89PNG\r\n"), FileKind::Image);
        assert_eq!(
            sniff(
                Path::new("a.xls"),
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
            ),
            FileKind::Ledger(LedgerKind::Xls)
        );
        assert_eq!(
            sniff(Path::new("a.csv"), "姓名,电话".as_bytes()),
            FileKind::Ledger(LedgerKind::Csv)
        );
        assert!(matches!(
            sniff(Path::new("a.pdf"), b"hello"),
            FileKind::Unsupported(_)
        ));
    }

    #[test]
    fn page_ranges_are_compact() {
        assert_eq!(page_list(&[1, 2, 3, 5]), "1-3, 5");
        assert_eq!(page_list(&[4]), "4");
    }
}
