//! Cleaning and judging a page's extracted text.
//!
//! * Radical code points: some producers map ordinary characters to Kangxi Radicals
//!   (U+2F00–2FDF, `⽂` for 文) or CJK Radicals Supplement (U+2E80–2EFF, `⻓` for 长). Those are
//!   folded to the unified ideographs: Kangxi by NFKC of those characters only, the supplement by
//!   the table shared with the text reader (NFKC leaves it alone). The rest of the text is never NFKC'd: that would turn
//!   full-width Chinese punctuation into ASCII.
//! * Real text or not: a text layer of private-use, control or replacement characters, unmapped
//!   glyphs, Latin-1 mojibake (`Ã¤`) or characters implausible in Chinese documents is reported
//!   as garbage, so nonsense is never indexed as if it were a letter.

use unicode_normalization::UnicodeNormalization;

use super::PageQuality;

/// Folds radical code points to unified ideographs; returns the text unchanged (no copy) when
/// there are none.
pub(crate) fn fold_radicals(text: String) -> String {
    if !text.chars().any(|c| matches!(c as u32, 0x2E80..=0x2FDF)) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c as u32 {
            0x2F00..=0x2FDF => out.extend(std::iter::once(c).nfkc()),
            0x2E80..=0x2EFF => out.push(crate::ingest::text::radical_supplement(c).unwrap_or(c)),
            _ => out.push(c),
        }
    }
    out
}

/// Counts of a page's characters by how plausible they are in a Chinese document.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CharCensus {
    pub(crate) total: usize,
    pub(crate) han: usize,
    /// ASCII, CJK and general punctuation, common symbols, kana, hangul.
    pub(crate) plausible: usize,
    /// Private use, controls, U+FFFD.
    pub(crate) bad: usize,
    /// Latin-1 supplement letters and symbols (U+0080–U+00FF): mojibake when frequent.
    pub(crate) latin1: usize,
}

pub(crate) fn census(text: &str) -> CharCensus {
    let mut c = CharCensus::default();
    for ch in text.chars() {
        if ch.is_whitespace() {
            continue;
        }
        c.total += 1;
        let u = ch as u32;
        match u {
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF => {
                c.han += 1;
                c.plausible += 1;
            }
            0x21..=0x7E
            | 0x2010..=0x205E
            | 0x2100..=0x218F
            | 0x2190..=0x23FF
            | 0x2460..=0x27BF
            | 0x2E80..=0x2FDF
            | 0x3000..=0x30FF
            | 0x3100..=0x312F
            | 0x3200..=0x33FF
            | 0xAC00..=0xD7AF
            | 0xFE30..=0xFE4F
            | 0xFF01..=0xFFEF
            | 0xB7
            | 0xD7
            | 0xF7
            | 0xB0
            | 0xA7
            | 0xB1 => c.plausible += 1,
            0x0391..=0x03C9 | 0x0401..=0x0451 => c.plausible += 1,
            0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFD | 0..=0x1F | 0x7F..=0x9F => c.bad += 1,
            0xA0..=0xFF => c.latin1 += 1,
            _ => {}
        }
    }
    c
}

/// Decides whether a page's text layer is real text.
///
/// `glyphs`/`unmapped`: glyphs shown on the page and how many had no Unicode value.
pub(crate) fn classify(
    text: &str,
    glyphs: usize,
    unmapped: usize,
    has_images: bool,
) -> PageQuality {
    let c = census(text);
    if c.total == 0 {
        // Glyphs were drawn but none could be mapped: a text layer, not an empty page.
        if unmapped >= 3 {
            return PageQuality::Garbage;
        }
        return if has_images {
            PageQuality::NoText
        } else {
            PageQuality::Text
        };
    }
    let shown = glyphs.max(c.total + unmapped) as f32;
    let total = c.total as f32;
    let unmapped_share = unmapped as f32 / shown;
    let bad_share = c.bad as f32 / total;
    let latin1_share = c.latin1 as f32 / total;
    let implausible_share = (c.total - c.plausible) as f32 / total;
    // A few stray symbols on an otherwise real page are normal; a page mostly made of them
    // is not text. Short pages get a little more room.
    let slack = if c.total < 20 { 0.1 } else { 0.0 };
    if unmapped_share > 0.2 + slack
        || bad_share > 0.1 + slack
        || (latin1_share > 0.05 + slack && c.latin1 >= 3)
        || implausible_share > 0.2 + slack
    {
        return PageQuality::Garbage;
    }
    PageQuality::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_radicals_only() {
        assert_eq!(fold_radicals("⻓期⽂件，（一）".into()), "长期文件，（一）");
        assert_eq!(fold_radicals("⻅⻔⻢⻋⻜⻝".into()), "见门马车飞食");
    }

    #[test]
    fn classifies_text_and_garbage() {
        let letter = "我叫王秀兰，女，56岁，身份证号码411528196803124575，联系电话13937512345。";
        assert_eq!(classify(letter, 60, 0, false), PageQuality::Text);
        assert_eq!(classify("", 0, 0, true), PageQuality::NoText);
        assert_eq!(classify("  \n", 0, 0, false), PageQuality::Text);
        assert_eq!(classify("", 120, 120, false), PageQuality::Garbage);
        // GBK bytes read as Latin-1, UTF-8 read as Latin-1.
        assert_eq!(
            classify("ÍõÐãÀ¼£¬Å®£¬56Ëê", 20, 0, false),
            PageQuality::Garbage
        );
        assert_eq!(
            classify("Ã¤Ã¶Ã¼ Ã¤Ã¶Ã¼ Ã¤Ã¶Ã¼", 20, 0, false),
            PageQuality::Garbage
        );
        assert_eq!(
            classify("\u{E001}\u{E002}\u{E003}\u{E004}", 4, 0, false),
            PageQuality::Garbage
        );
        assert_eq!(classify(letter, 100, 40, false), PageQuality::Garbage);
    }
}
