//! The PDF reader: the text of each page of a petition letter PDF, in reading order, with a
//! verdict on whether that text is real.
//!
//! Why it exists: petition letters arrive as PDFs written by Word, WPS, LibreOffice, browsers,
//! report generators, LaTeX and scanners. lopdf parses the file; this module does the text
//! itself, because lopdf's extractor reads `/Encoding` before `/ToUnicode` (Chromium's Type3
//! fonts come out as garbage), has no CJK predefined CMaps or character collections (LaTeX,
//! `GBK-EUC-H`), and breaks lines at every text object (`男，` / `56` / `岁`).
//!
//! Where the data comes from: the PDF bytes given; the CJK CMap tables generated from Adobe's
//! CMap resources (`data/cmap/`, see [`cmap`]); for OCR, the external `pdftoppm` and
//! `tesseract` programs ([`ocr_pages`]).
//!
//! What it must never do: panic on any input (lopdf calls are guarded with `catch_unwind`),
//! return mojibake as [`PageQuality::Text`], or read a password-protected file. A page whose
//! text layer is not real text is [`PageQuality::Garbage`]; an image-only page is
//! [`PageQuality::NoText`] (needs OCR).

mod cmap;
mod fonts;
mod layout;
mod ocr;
mod quality;

use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{Document, Object};

pub use ocr::{ocr_image, ocr_pages, tesseract_available, OcrError};

/// One page of a PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdfPage {
    /// 1-based page number.
    pub number: u32,
    /// The page's text: lines in reading order separated by `\n`, a blank line between
    /// paragraphs. Best effort (possibly nonsense) when `quality` is `Garbage`.
    pub text: String,
    pub quality: PageQuality,
}

/// Whether a page's text can be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageQuality {
    /// Real text (a blank page without images is `Text` with empty text).
    Text,
    /// No text layer but images: a scanned page, needs OCR (扫描件).
    NoText,
    /// A text layer that is not real text (unmapped glyphs, private-use characters, mojibake):
    /// must not be indexed; report the page, or OCR it.
    Garbage,
}

/// The text of a PDF file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdfDocument {
    pub pages: Vec<PdfPage>,
    /// `/Producer` of the document information dictionary (e.g. "Microsoft® Word 2019").
    pub producer: Option<String>,
}

/// Why a PDF could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The file needs a password to be opened.
    #[error("encrypted PDF (password protected)")]
    Encrypted,
    /// Not a PDF, truncated (e.g. an incomplete download or copy), or damaged.
    #[error("corrupt or truncated PDF: {0}")]
    Corrupt(String),
}

/// Reads the text of every page of a PDF.
pub fn read_pdf(bytes: &[u8]) -> Result<PdfDocument, PdfError> {
    match catch_unwind(AssertUnwindSafe(|| read_unguarded(bytes))) {
        Ok(result) => result,
        Err(panic) => Err(PdfError::Corrupt(format!(
            "the PDF parser failed on this file ({})",
            panic_message(&panic)
        ))),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "internal error".to_string())
}

fn read_unguarded(bytes: &[u8]) -> Result<PdfDocument, PdfError> {
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(PdfError::Corrupt("not a PDF file (no %PDF header)".into()));
    }
    let doc = Document::load_mem(bytes).map_err(|e| {
        let reason = e.to_string();
        let lower = reason.to_lowercase();
        if lower.contains("password") || lower.contains("decrypt") || lower.contains("encrypt") {
            PdfError::Encrypted
        } else {
            PdfError::Corrupt(reason)
        }
    })?;
    // lopdf opens files whose user password is empty (owner-restricted ones); any other
    // encrypted file stays encrypted and cannot be read without its password.
    if doc.trailer.get(b"Encrypt").is_ok() && doc.encryption_state.is_none() {
        return Err(PdfError::Encrypted);
    }
    // A file cut short loses its end-of-file marker; lopdf may rebuild a partial document
    // from what is left, which would silently lose pages.
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(PdfError::Corrupt(
            "the file ends early (no %%EOF marker): truncated download or copy".into(),
        ));
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(PdfError::Corrupt(
            "no pages found (damaged page tree)".into(),
        ));
    }
    let producer = info_string(&doc, b"Producer");
    let mut fonts = layout::FontCache::default();
    let mut out = Vec::with_capacity(pages.len());
    for (&number, &page_id) in &pages {
        let page = catch_unwind(AssertUnwindSafe(|| {
            layout::page_text(&doc, page_id, &mut fonts)
        }));
        let page = match page {
            Ok(p) => {
                let text = quality::fold_radicals(p.text);
                let text = text.trim_end().to_string();
                let quality = quality::classify(&text, p.glyphs, p.unmapped, p.has_images);
                PdfPage {
                    number,
                    text,
                    quality,
                }
            }
            // The font cache may be half-built after a panic: start it afresh.
            Err(_) => {
                fonts = layout::FontCache::default();
                PdfPage {
                    number,
                    text: String::new(),
                    quality: PageQuality::Garbage,
                }
            }
        };
        out.push(page);
    }
    Ok(PdfDocument {
        pages: out,
        producer,
    })
}

fn info_string(doc: &Document, key: &[u8]) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let info = doc.dereference(info).ok()?.1.as_dict().ok()?;
    let value = doc.dereference(info.get(key).ok()?).ok()?.1;
    let Object::String(bytes, _) = value else {
        return None;
    };
    let text = decode_text_string(bytes);
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!text.is_empty()).then(|| text.to_string())
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with one, else PDFDocEncoding
/// (Latin-1 for the characters that matter here).
fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]));
        char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .collect()
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| b as char).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn fixture_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf")
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }

    fn squeeze(s: &str) -> Vec<char> {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Characters of `expected` matched in order by `got` (longest common subsequence), as a
    /// share of the longer of the two.
    fn char_accuracy(expected: &str, got: &str) -> f64 {
        let (a, b) = (squeeze(expected), squeeze(got));
        if a.is_empty() && b.is_empty() {
            return 1.0;
        }
        let mut prev = vec![0u32; b.len() + 1];
        let mut cur = vec![0u32; b.len() + 1];
        for ca in &a {
            for (j, cb) in b.iter().enumerate() {
                cur[j + 1] = if ca == cb {
                    prev[j] + 1
                } else {
                    cur[j].max(prev[j + 1])
                };
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        prev[b.len()] as f64 / a.len().max(b.len()) as f64
    }

    fn all_text(doc: &PdfDocument) -> String {
        doc.pages
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn check_producer_fixture(pdf: &str, source: &str) {
        let doc = read_pdf(&fixture(pdf)).unwrap_or_else(|e| panic!("{pdf}: {e}"));
        let expected = String::from_utf8(fixture(source)).expect("utf-8 source");
        let got = all_text(&doc);
        let acc = char_accuracy(&expected, &got);
        println!(
            "{pdf}: char accuracy {:.2}% ({} pages, producer {:?})",
            acc * 100.0,
            doc.pages.len(),
            doc.producer
        );
        assert!(
            doc.pages.iter().all(|p| p.quality == PageQuality::Text),
            "{pdf}: {doc:?}"
        );
        assert_eq!(squeeze(&got), squeeze(&expected), "{pdf} text:\n{got}");
        // The line with sex, age and ID number stays one line, as on the page.
        assert!(
            got.lines()
                .any(|l| l.contains("女，56岁，身份证号码411528196803124575")),
            "{pdf}: ID line split:\n{got}"
        );
    }

    #[test]
    fn libreoffice_letter() {
        check_producer_fixture("libreoffice-letter.pdf", "letter.txt");
    }

    #[test]
    fn libreoffice_two_pages() {
        let doc = read_pdf(&fixture("libreoffice-2pages.pdf")).expect("readable");
        assert_eq!(doc.pages.len(), 2);
        assert_eq!(doc.pages[1].number, 2);
        assert!(doc.pages[1].text.starts_with("附：情况补充说明"), "{doc:?}");
        check_producer_fixture("libreoffice-2pages.pdf", "letter-2pages.txt");
    }

    #[test]
    fn chromium_type3_noto() {
        check_producer_fixture("chromium-noto.pdf", "letter-short.txt");
    }

    #[test]
    fn chromium_truetype_wenquanyi() {
        check_producer_fixture("chromium-wqy.pdf", "letter-short.txt");
    }

    #[test]
    fn reportlab_stsong_unigb_ucs2() {
        check_producer_fixture("reportlab-stsong.pdf", "letter.txt");
    }

    #[test]
    fn scan_is_no_text() {
        let doc = read_pdf(&fixture("scan-image-only.pdf")).expect("readable");
        assert_eq!(doc.pages.len(), 1);
        assert_eq!(doc.pages[0].quality, PageQuality::NoText);
        assert!(doc.pages[0].text.is_empty());
    }

    #[test]
    fn encrypted_and_broken_files() {
        let e = read_pdf(&fixture("encrypted-password.pdf")).unwrap_err();
        assert!(matches!(e, PdfError::Encrypted), "{e:?}");
        assert_eq!(e.to_string(), "encrypted PDF (password protected)");
        // Owner password only: opens with the empty user password, like any PDF viewer.
        let doc = read_pdf(&fixture("encrypted-owner-only.pdf")).expect("empty user password");
        assert!(doc.pages[0].text.contains("411528196803124575"), "{doc:?}");
        let e = read_pdf(&fixture("truncated.pdf")).unwrap_err();
        assert!(matches!(e, PdfError::Corrupt(_)), "{e:?}");
        println!("truncated.pdf: {e}");
        for junk in [&b""[..], b"%PDF-1.7\n", b"hello", &[0xFF; 300][..]] {
            assert!(matches!(read_pdf(junk), Err(PdfError::Corrupt(_))));
        }
    }

    #[test]
    fn never_panics_on_damaged_bytes() {
        let good = fixture("libreoffice-letter.pdf");
        // Cut, and overwrite slices with noise, at many places; every result must be a value.
        let mut seed = 0x2545_F491_u32;
        for i in 0..60 {
            let mut bytes = good.clone();
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let at = seed as usize % bytes.len();
            if i % 3 == 0 {
                bytes.truncate(at);
            } else {
                let end = (at + 64).min(bytes.len());
                for (k, b) in bytes[at..end].iter_mut().enumerate() {
                    *b = (seed >> (k % 24)) as u8;
                }
            }
            let _ = read_pdf(&bytes);
        }
    }

    #[test]
    fn ocr_scan_when_tesseract_installed() {
        if !tesseract_available() {
            println!("skipped: tesseract with chi_sim or pdftoppm not installed");
            let e = ocr_pages(&fixture_dir().join("scan-image-only.pdf"), &[1]).unwrap_err();
            assert!(matches!(e, OcrError::ToolMissing(_)));
            return;
        }
        let pages = ocr_pages(&fixture_dir().join("scan-image-only.pdf"), &[1]).expect("ocr");
        assert_eq!(pages.len(), 1);
        let text: String = squeeze(&pages[0].1).into_iter().collect();
        println!("OCR: {text}");
        assert!(text.contains("13937512345"), "phone missing: {text}");
        assert!(text.contains("王秀兰"), "name missing: {text}");
    }

    /// A one-page PDF built with lopdf's API around a Type0 font with Identity-H and no
    /// /ToUnicode, to pin down the character-collection path and the garbage verdict.
    fn cid_font_pdf(ordering: &str, codes: &[u16]) -> Vec<u8> {
        use lopdf::{dictionary, Object, Stream};
        let mut doc = Document::with_version("1.5");
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "FandolSong-Regular",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal(ordering),
                "Supplement" => 5,
            },
            "DW" => 1000,
        });
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "FandolSong-Regular",
            "Encoding" => "Identity-H", "DescendantFonts" => vec![descendant.into()],
        });
        let hex: String = codes.iter().map(|c| format!("{c:04X}")).collect();
        let content = format!("BT /F1 12 Tf 72 700 Td <{hex}> Tj ET");
        let contents = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let pages_id = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => contents,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    #[test]
    fn cid_font_without_tounicode() {
        // Adobe-GB1 CIDs of 信访局 (looked up through GBK-EUC-H: D0C5 B7C3 BED6 in GBK).
        let gbk = cmap::predefined_cmap("GBK-EUC-H").expect("table");
        let cids: Vec<u16> = [0xD0C5u32, 0xB7C3, 0xBED6]
            .iter()
            .map(|&c| gbk.cid(c, 2).expect("cid") as u16)
            .collect();
        let doc = read_pdf(&cid_font_pdf("GB1", &cids)).expect("readable");
        assert_eq!(doc.pages[0].text, "信访局");
        assert_eq!(doc.pages[0].quality, PageQuality::Text);
        // The same glyphs in a font whose collection is unknown: nothing can be mapped.
        let doc = read_pdf(&cid_font_pdf("Identity", &cids)).expect("readable");
        assert_eq!(doc.pages[0].quality, PageQuality::Garbage);
    }

    #[test]
    fn ocr_image_file_when_tesseract_installed() {
        if !tesseract_available() {
            println!("skipped: tesseract with chi_sim or pdftoppm not installed");
            return;
        }
        // The scan fixture rendered to a PNG by pdftoppm, as a scanner would save it.
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("scan");
        let status = std::process::Command::new("pdftoppm")
            .args(["-r", "300", "-gray", "-png", "-singlefile"])
            .arg(fixture_dir().join("scan-image-only.pdf"))
            .arg(&root)
            .status()
            .expect("pdftoppm runs");
        assert!(status.success());
        let text: String = squeeze(&ocr_image(&root.with_extension("png")).expect("ocr"))
            .into_iter()
            .collect();
        assert!(text.contains("13937512345"), "phone missing: {text}");
        let e = ocr_image(&dir.path().join("missing.png")).unwrap_err();
        assert!(matches!(e, OcrError::Io(_)), "{e:?}");
    }

    // ----- real third-party PDFs (../shared/data/real/pdf), skipped when absent -----

    fn real_dir() -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real/pdf");
        if dir.is_dir() {
            Some(dir)
        } else {
            println!("skipped: real PDF directory ../shared/data/real/pdf is absent");
            None
        }
    }

    /// pdftotext's output for comparison, when poppler-utils is installed.
    fn pdftotext(path: &Path) -> Option<String> {
        let out = std::process::Command::new("pdftotext")
            .arg(path)
            .arg("-")
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn real_pdf(name: &str) -> Option<(PdfDocument, Option<String>, f64)> {
        let path = real_dir()?.join(name);
        let bytes = std::fs::read(&path).ok()?;
        let t = std::time::Instant::now();
        let doc = read_pdf(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ms_per_page = t.elapsed().as_secs_f64() * 1000.0 / doc.pages.len() as f64;
        Some((doc, pdftotext(&path), ms_per_page))
    }

    fn han_share(s: &str) -> f64 {
        let c = quality::census(s);
        c.han as f64 / c.total.max(1) as f64
    }

    fn check_real_clean(name: &str) {
        let Some((doc, reference, ms)) = real_pdf(name) else {
            return;
        };
        let got = all_text(&doc);
        let garbage = doc
            .pages
            .iter()
            .filter(|p| p.quality != PageQuality::Text)
            .count();
        println!(
            "{name}: {} pages, {garbage} not Text, {ms:.2} ms/page, Han share {:.0}%, producer {:?}",
            doc.pages.len(),
            han_share(&got) * 100.0,
            doc.producer
        );
        assert_eq!(garbage, 0, "{name}");
        if let Some(reference) = reference {
            let acc = char_accuracy(&reference, &got);
            println!("{name}: char agreement with pdftotext {:.2}%", acc * 100.0);
            assert!(acc > 0.97, "{name}: agreement {acc}");
        }
    }

    #[test]
    fn real_word2019_simsun() {
        check_real_clean("word2019-simsun.pdf");
    }

    #[test]
    fn real_word2016_fangsong() {
        check_real_clean("word2016-fangsong-gb2312.pdf");
    }

    #[test]
    fn real_xelatex_without_tounicode() {
        let Some((doc, reference, ms)) = real_pdf("xelatex-fandol-broken-tounicode.pdf") else {
            return;
        };
        let got = all_text(&doc);
        let text_pages = doc
            .pages
            .iter()
            .filter(|p| p.quality == PageQuality::Text)
            .count();
        println!(
            "xelatex: {} pages, {text_pages} Text, {ms:.2} ms/page, Han share {:.0}%",
            doc.pages.len(),
            han_share(&got) * 100.0
        );
        if let Some(reference) = reference {
            let acc = char_accuracy(&reference, &got);
            println!("xelatex: char agreement with pdftotext {:.2}%", acc * 100.0);
            assert!(acc > 0.95, "agreement {acc}");
        }
        assert!(got.contains("的"));
        assert_eq!(text_pages, doc.pages.len());
    }
}
