//! OCR of image-only PDF pages with Tesseract (`chi_sim`), for scanned letters.
//!
//! Each page is rendered with `pdftoppm -r 300` (poppler-utils) and piped into
//! `tesseract stdin stdout -l chi_sim`: no temporary files. The tools are external programs;
//! when one is missing the caller gets [`OcrError::ToolMissing`] and reports "needs OCR" instead
//! of silently dropping the letter. [`ocr_image`] does the same for scans saved as image files. The text is returned as Tesseract writes it (spaces between
//! characters, ASCII punctuation): cleaning OCR text is the text normaliser's job, the same one
//! that handles OCR'd `.txt` letters.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Why OCR could not run or failed.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// tesseract, its chi_sim language data, or pdftoppm is not installed.
    #[error("needs OCR: {0} not installed")]
    ToolMissing(&'static str),
    #[error("OCR of page {page} failed: {tool}: {message}")]
    ToolFailed {
        page: u32,
        tool: &'static str,
        message: String,
    },
    #[error("OCR could not read the file: {0}")]
    Io(String),
}

fn runs(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    // `pdftoppm -v` exits 0 or 99 depending on the version; either means it exists.
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some(text)
}

/// The first missing tool, checked once per process.
fn missing_tool() -> Option<&'static str> {
    static MISSING: OnceLock<Option<&'static str>> = OnceLock::new();
    *MISSING.get_or_init(|| {
        let Some(langs) = runs("tesseract", &["--list-langs"]) else {
            return Some("tesseract");
        };
        if !langs.lines().any(|l| l.trim() == "chi_sim") {
            return Some("tesseract chi_sim language data");
        }
        if runs("pdftoppm", &["-v"]).is_none() {
            return Some("pdftoppm (poppler-utils)");
        }
        None
    })
}

/// True when tesseract with `chi_sim` and pdftoppm are installed (checked once, then cached).
pub fn tesseract_available() -> bool {
    missing_tool().is_none()
}

/// OCRs the given 1-based pages of the PDF at `path`; returns (page, text) in the given order.
pub fn ocr_pages(path: &Path, pages: &[u32]) -> Result<Vec<(u32, String)>, OcrError> {
    if let Some(tool) = missing_tool() {
        return Err(OcrError::ToolMissing(tool));
    }
    if !path.is_file() {
        return Err(OcrError::Io(format!(
            "{} is not a readable file",
            path.display()
        )));
    }
    pages
        .iter()
        .map(|&p| ocr_page(path, p).map(|t| (p, t)))
        .collect()
}

/// OCRs an image file (a scanned letter saved as PNG, JPEG, TIFF …) with `tesseract <file>
/// stdout -l chi_sim`.
pub fn ocr_image(path: &Path) -> Result<String, OcrError> {
    if runs("tesseract", &["--list-langs"]).is_none() {
        return Err(OcrError::ToolMissing("tesseract"));
    }
    if missing_tool() == Some("tesseract chi_sim language data") {
        return Err(OcrError::ToolMissing("tesseract chi_sim language data"));
    }
    if !path.is_file() {
        return Err(OcrError::Io(format!(
            "{} is not a readable file",
            path.display()
        )));
    }
    let output = Command::new("tesseract")
        .arg(path)
        .args(["stdout", "-l", "chi_sim"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| OcrError::ToolFailed {
            page: 1,
            tool: "tesseract",
            message: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(OcrError::ToolFailed {
            page: 1,
            tool: "tesseract",
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn ocr_page(path: &Path, page: u32) -> Result<String, OcrError> {
    let n = page.to_string();
    let render = Command::new("pdftoppm")
        .args([
            "-r",
            "300",
            "-gray",
            "-png",
            "-f",
            &n,
            "-l",
            &n,
            "-singlefile",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| OcrError::ToolFailed {
            page,
            tool: "pdftoppm",
            message: e.to_string(),
        })?;
    if !render.status.success() || render.stdout.is_empty() {
        return Err(OcrError::ToolFailed {
            page,
            tool: "pdftoppm",
            message: String::from_utf8_lossy(&render.stderr).trim().to_string(),
        });
    }
    let mut child = Command::new("tesseract")
        .args(["stdin", "stdout", "-l", "chi_sim"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| OcrError::ToolFailed {
            page,
            tool: "tesseract",
            message: e.to_string(),
        })?;
    let image = render.stdout;
    // Feed stdin from a thread so a large page cannot deadlock against tesseract's stdout.
    let mut stdin = child.stdin.take();
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&image);
        }
        drop(stdin);
    });
    let output = child.wait_with_output().map_err(|e| OcrError::ToolFailed {
        page,
        tool: "tesseract",
        message: e.to_string(),
    })?;
    let _ = feeder.join();
    if !output.status.success() {
        return Err(OcrError::ToolFailed {
            page,
            tool: "tesseract",
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
