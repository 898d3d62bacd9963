//! Text decoding and OCR clean-up for letters (来信) that arrive as text files.
//!
//! Why it exists: petition archives hold `.txt` files written by many tools over many years —
//! GBK from old Windows machines, UTF-16 from Notepad, UTF-8 from everything newer, and the
//! output of Tesseract (`chi_sim`), which spaces out Chinese characters, turns full-width
//! punctuation into ASCII (`：` → ` : `) and hard-wraps every line. [`decode`] turns bytes into
//! text without ever losing a character silently; [`clean_ocr`] undoes the typical OCR damage so
//! that field extraction, segmentation and search see the letter as a person wrote it.
//!
//! What it must never do: replace undecodable bytes with U+FFFD (a candidate encoding that
//! reports errors is rejected, not used); NFKC-normalise the whole text (that would turn the
//! full-width Chinese punctuation clerks expect into ASCII); change clean typed text (clean text
//! in → the same text out, apart from CRLF line ends); change its own output when run again
//! (`clean_ocr` is idempotent).
//!
//! Data: the byte-level facts (BOM → UTF-8 → chardetng order, chardetng never guessing UTF-16)
//! and the Tesseract behaviour come from measurements recorded in
//! `shared/notes/dependency-facts.md`; the radical table below is from the Unicode charts
//! (CJK Radicals Supplement, U+2E80–U+2EFF), which NFKC does not fold.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};
use regex::Regex;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// A file's text and the encoding it was read with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Encoding name as `encoding_rs` spells it: `"UTF-8"`, `"GBK"`, `"gb18030"`, `"Big5"`,
    /// `"UTF-16LE"`, `"UTF-16BE"`.
    pub encoding: &'static str,
}

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the file is empty")]
    Empty,
    #[error("the file looks binary (NUL or control bytes), not text")]
    Binary,
    #[error("no supported encoding decodes the file without errors")]
    Undecodable,
}

/// How much of a file encoding detection looks at.
const DETECT_BYTES: usize = 1024;

/// Decode a text file's bytes losslessly.
///
/// Order: byte-order mark (UTF-8, UTF-16LE/BE) → valid UTF-8 → chardetng's guess → the other
/// Chinese encodings (GB18030, Big5). A candidate whose decoder reports a malformed sequence is
/// skipped; if every candidate fails the file is [`TextError::Undecodable`], or
/// [`TextError::Binary`] when it is mostly NUL/control bytes.
pub fn decode(bytes: &[u8]) -> Result<Decoded, TextError> {
    if bytes.is_empty() {
        return Err(TextError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let rest = &bytes[bom_len..];
        if rest.is_empty() {
            return Err(TextError::Empty);
        }
        if let Some(text) = decode_strict(enc, rest) {
            return Ok(Decoded {
                text,
                encoding: enc.name(),
            });
        }
    }
    if looks_binary(bytes) {
        return Err(TextError::Binary);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: s.to_owned(),
            encoding: UTF_8.name(),
        });
    }
    let head = &bytes[..bytes.len().min(DETECT_BYTES)];
    let guess = if looks_like_gb2312(head) {
        GBK
    } else {
        // chardetng sees the head only: hundreds of characters settle its guess. A wrong guess
        // cannot slip through: the whole file must still decode without a malformed sequence,
        // else the other candidates are tried.
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
        detector.feed(head, head.len() == bytes.len());
        detector.guess(None, Utf8Detection::Allow)
    };
    let mut candidates: Vec<&'static Encoding> = vec![guess];
    for enc in [GBK, GB18030, BIG5] {
        if !candidates.contains(&enc) {
            candidates.push(enc);
        }
    }
    for enc in candidates {
        if enc == UTF_16LE || enc == UTF_16BE {
            continue;
        }
        if let Some(text) = decode_strict(enc, bytes) {
            return Ok(Decoded {
                text,
                encoding: enc.name(),
            });
        }
    }
    Err(TextError::Undecodable)
}

/// The common case of a non-UTF-8 Chinese letter, recognised without chardetng (which cost ~8 %
/// of ingest CPU on the benchmark archive, about 120 µs a letter): the head reads as GB2312
/// double-byte pairs (lead 0xA1–0xF7, trail 0xA1–0xFE; at most one pair in 20 outside, for GBK
/// and GB18030 extensions), at least 20 of them, at least two thirds level-1 Han (the 3,755 most
/// common characters, leads 0xB0–0xD7), with full-width punctuation from the symbol rows.
/// Big5 and Shift_JIS text fails the trail-byte test (their trail bytes run from 0x40), EUC-KR
/// Korean the punctuation test; anything that fails goes to chardetng.
fn looks_like_gb2312(head: &[u8]) -> bool {
    let (mut pairs, mut level1, mut symbols, mut other) = (0usize, 0usize, 0usize, 0usize);
    let mut i = 0;
    while i < head.len() {
        let b = head[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let Some(&t) = head.get(i + 1) else { break };
        if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&t) {
            pairs += 1;
            level1 += usize::from((0xB0..=0xD7).contains(&b));
            symbols += usize::from(b <= 0xA9);
        } else {
            other += 1;
        }
        i += 2;
    }
    pairs >= 20 && other * 20 <= pairs && level1 * 3 >= pairs * 2 && symbols > 0
}

fn decode_strict(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// Binary junk: any NUL in the first 8 KiB (text files without a BOM never contain NUL), or more
/// than 5 % C0 control bytes other than tab, line feed, carriage return, form feed and escape.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 20 > head.len()
}

/// A Han character (CJK unified ideographs, extensions, compatibility ideographs, 〇).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2EBEF | 0x30000..=0x3134F
        | 0xF900..=0xFAFF | 0x3007)
}

/// Full-width / CJK punctuation that belongs to Chinese text.
fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32,
        0x3001..=0x3006 | 0x3008..=0x301F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20
        | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 | 0x2014..=0x201F | 0x2026 | 0x00B7)
}

fn is_cjk_context(c: char) -> bool {
    is_han(c) || is_cjk_punct(c)
}

/// Sentence-final punctuation: a line ending in one of these ends its paragraph.
fn is_final_punct(c: char) -> bool {
    matches!(
        c,
        '。' | '！'
            | '？'
            | '；'
            | '：'
            | '”'
            | '’'
            | '」'
            | '』'
            | '…'
            | '!'
            | '?'
            | ';'
            | ':'
            | '）'
            | ')'
    )
}

/// CJK Radicals Supplement code points that PDF producers and some OCR engines emit for common
/// characters; NFKC leaves them alone, so they are mapped here.
const RADICAL_SUPPLEMENT: &[(char, char)] = &[
    ('⺁', '厂'),
    ('⺃', '乙'),
    ('⺅', '亻'),
    ('⺇', '几'),
    ('⺈', '刀'),
    ('⺉', '刂'),
    ('⺊', '卜'),
    ('⺋', '卩'),
    ('⺌', '小'),
    ('⺍', '小'),
    ('⺎', '兀'),
    ('⺏', '尣'),
    ('⺐', '尢'),
    ('⺑', '尢'),
    ('⺒', '巳'),
    ('⺓', '幺'),
    ('⺔', '彐'),
    ('⺖', '忄'),
    ('⺗', '心'),
    ('⺘', '扌'),
    ('⺙', '攵'),
    ('⺛', '旡'),
    ('⺜', '日'),
    ('⺝', '月'),
    ('⺞', '歺'),
    ('⺟', '母'),
    ('⺠', '民'),
    ('⺡', '氵'),
    ('⺢', '氺'),
    ('⺣', '灬'),
    ('⺤', '爫'),
    ('⺥', '爫'),
    ('⺦', '丬'),
    ('⺧', '牛'),
    ('⺨', '犭'),
    ('⺩', '王'),
    ('⺪', '疋'),
    ('⺫', '罒'),
    ('⺬', '示'),
    ('⺭', '礻'),
    ('⺮', '竹'),
    ('⺯', '糸'),
    ('⺰', '纟'),
    ('⺱', '罒'),
    ('⺲', '罒'),
    ('⺳', '网'),
    ('⺴', '网'),
    ('⺵', '网'),
    ('⺶', '羊'),
    ('⺷', '羊'),
    ('⺸', '羊'),
    ('⺹', '耂'),
    ('⺺', '聿'),
    ('⺻', '聿'),
    ('⺼', '月'),
    ('⺽', '臼'),
    ('⺾', '艹'),
    ('⺿', '艹'),
    ('⻀', '艹'),
    ('⻁', '虎'),
    ('⻂', '衤'),
    ('⻃', '覀'),
    ('⻄', '西'),
    ('⻅', '见'),
    ('⻆', '角'),
    ('⻇', '角'),
    ('⻈', '讠'),
    ('⻉', '贝'),
    ('⻊', '足'),
    ('⻋', '车'),
    ('⻌', '辶'),
    ('⻍', '辶'),
    ('⻎', '辶'),
    ('⻏', '阝'),
    ('⻐', '钅'),
    ('⻑', '長'),
    ('⻒', '镸'),
    ('⻓', '长'),
    ('⻔', '门'),
    ('⻕', '阝'),
    ('⻖', '阝'),
    ('⻗', '雨'),
    ('⻘', '青'),
    ('⻙', '韦'),
    ('⻚', '页'),
    ('⻛', '风'),
    ('⻜', '飞'),
    ('⻝', '食'),
    ('⻞', '食'),
    ('⻟', '食'),
    ('⻠', '饣'),
    ('⻡', '食'),
    ('⻢', '马'),
    ('⻣', '骨'),
    ('⻤', '鬼'),
    ('⻥', '鱼'),
    ('⻦', '鸟'),
    ('⻧', '卤'),
    ('⻨', '麦'),
    ('⻩', '黄'),
    ('⻪', '黾'),
    ('⻫', '齐'),
    ('⻬', '齐'),
    ('⻭', '齿'),
    ('⻮', '齿'),
    ('⻯', '龙'),
    ('⻰', '龙'),
    ('⻱', '龟'),
    ('⻲', '龟'),
    ('⻳', '龟'),
];

/// The unified ideograph of a CJK Radicals Supplement code point (U+2E80–2EFF), if it has one.
/// Shared with the PDF reader, whose producers emit the same forms.
pub(crate) fn radical_supplement(c: char) -> Option<char> {
    RADICAL_SUPPLEMENT
        .binary_search_by(|&(k, _)| k.cmp(&c))
        .ok()
        .map(|i| RADICAL_SUPPLEMENT[i].1)
}

/// Fold one character: full-width ASCII letters/digits → ASCII, Kangxi radicals and CJK
/// compatibility ideographs → NFKC, radicals supplement → table. Everything else unchanged.
fn fold_char(c: char, out: &mut String) {
    let u = c as u32;
    match u {
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => {
            out.push(char::from_u32(u - 0xFEE0).unwrap_or(c))
        }
        0x2F00..=0x2FDF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F => out.extend(c.to_string().nfkc()),
        0x2E80..=0x2EFF => out.push(radical_supplement(c).unwrap_or(c)),
        _ => out.push(c),
    }
}

/// Undo typical OCR damage in a letter; see the module doc for the rules. Idempotent; leaves
/// clean typed text unchanged except for CRLF → LF.
///
/// Most letters are typed and need nothing: [`clean_as_is`] proves that with one cheap scan and
/// the text is returned as it is; only text with OCR noise takes the full clean-up
/// ([`clean_ocr_full`]). Both give the same output on every input.
pub fn clean_ocr(raw: &str) -> String {
    match clean_as_is(raw) {
        Some(text) => text,
        None => clean_ocr_full(raw),
    }
}

/// The lines of `raw` with code points folded, line ends normalised, page-number lines dropped
/// and each line cleaned (before hard-wrapped lines are joined).
fn cleaned_lines(raw: &str) -> Vec<String> {
    let mut folded = String::with_capacity(raw.len());
    for c in raw.chars() {
        fold_char(c, &mut folded);
    }
    let normalised = folded
        .replace("\r\n", "\n")
        .replace(['\r', '\u{0c}'], "\n")
        .replace('\u{feff}', "");
    normalised
        .split('\n')
        .filter(|l| !is_page_number_line(l))
        .map(clean_line)
        .collect()
}

/// The full clean-up: fold code points, normalise line ends, drop page-number lines, clean every
/// line, join hard-wrapped lines and clean the joined lines again.
fn clean_ocr_full(raw: &str) -> String {
    let joined = join_wrapped_lines(&cleaned_lines(raw));
    // Punctuation and gaps at a former line break (`联系电话` + `: 139…`) are cleaned again
    // on the joined line, so that a second run finds nothing left to do.
    joined
        .iter()
        .map(|l| clean_line(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fast path of [`clean_ocr`]: `Some(text)` when the full clean-up would change nothing but
/// line ends — no code point to fold, no page-number line, every line already clean
/// ([`line_is_clean`]) and no hard-wrapped line to join. `None` means "take the full path"; it
/// is conservative, never wrong.
fn clean_as_is(raw: &str) -> Option<String> {
    if raw.chars().any(needs_fold) {
        return None;
    }
    let text = if raw.contains(['\r', '\u{0c}', '\u{feff}']) {
        raw.replace("\r\n", "\n")
            .replace(['\r', '\u{0c}'], "\n")
            .replace('\u{feff}', "")
    } else {
        raw.to_owned()
    };
    let lines: Vec<&str> = text.split('\n').collect();
    if lines
        .iter()
        .any(|l| is_page_number_line(l) || !line_is_clean(l))
    {
        return None;
    }
    let mut joins = false;
    join_decisions(&lines, |_, joined| {
        joins |= joined;
        !joined
    });
    (!joins).then_some(text)
}

/// Would [`fold_char`] change `c`?
fn needs_fold(c: char) -> bool {
    matches!(c as u32,
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A
        | 0x2F00..=0x2FDF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F | 0x2E80..=0x2EFF)
}

/// A sufficient condition for `clean_line(line) == line`: nothing to trim at the end, no ASCII
/// punctuation next to Chinese text, and no space or tab run that [`clean_line`] would drop.
fn line_is_clean(line: &str) -> bool {
    if line.trim_end().len() != line.len() {
        return false;
    }
    let body = line.trim_start();
    if body.is_empty() {
        return true;
    }
    let mut has_han_gap = false;
    let (mut spaced, mut tight) = (0usize, 0usize);
    // The last non-space character before the current position, and the one before that run.
    let mut prev: Option<char> = None;
    let mut prev_non_gap: Option<char> = None;
    let mut in_gap = false;
    // An ASCII punctuation mark waiting for its right-hand neighbour.
    let mut pending_punct = false;
    for c in body.chars() {
        if c == ' ' || c == '\t' {
            if !in_gap {
                in_gap = true;
                prev_non_gap = prev;
            }
            continue;
        }
        if in_gap {
            in_gap = false;
            let l = prev_non_gap.expect("a body starts with a non-blank character");
            if is_han(l) && is_han(c) {
                has_han_gap = true;
            } else if is_cjk_punct(l)
                || is_cjk_punct(c)
                || (is_han(l) && c.is_ascii_digit())
                || (l.is_ascii_digit() && is_han(c))
            {
                return false;
            }
        }
        if pending_punct {
            if c != ' ' && is_cjk_context(c) {
                return false;
            }
            pending_punct = false;
        }
        if matches!(c, ':' | ',' | ';' | '(' | ')' | '!' | '?') {
            // The nearest non-space character on the left (tabs count as characters there).
            if prev.is_some_and(is_cjk_context) {
                return false;
            }
            pending_punct = true;
        }
        prev = Some(c);
    }
    if has_han_gap {
        let chars: Vec<char> = body.chars().collect();
        for i in 0..chars.len().saturating_sub(1) {
            if is_han(chars[i]) {
                if is_han(chars[i + 1]) {
                    tight += 1;
                } else if chars[i + 1] == ' ' && i + 2 < chars.len() && is_han(chars[i + 2]) {
                    spaced += 1;
                }
            }
        }
        if spaced > tight {
            return false;
        }
    }
    true
}

/// Lines that are only a page number: `3`, `- 3 -`, `—3—`, `第 3 页`, `第3页 共5页`, `3/5`.
fn is_page_number_line(line: &str) -> bool {
    // Cheap rejection: a page-number line holds nothing but these characters.
    if !line.chars().all(|c| {
        c.is_whitespace()
            || c.is_ascii_digit()
            || matches!(
                c,
                '-' | '—' | '–' | '－' | '─' | '/' | '第' | '共' | '页' | ',' | '，' | '、'
            )
    }) {
        return false;
    }
    let t: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return false;
    }
    let core = t.trim_matches(|c| matches!(c, '-' | '—' | '–' | '－' | '─'));
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit());
    if digits(core) {
        return true;
    }
    if let Some((a, b)) = core.split_once('/') {
        if digits(a) && digits(b) {
            return true;
        }
    }
    // 第3页 / 第3页共5页 / 第3页,共5页
    let mut rest = core;
    let mut parts = 0;
    while !rest.is_empty() {
        let (prefix, after) = if let Some(r) = rest.strip_prefix('第') {
            ('第', r)
        } else if let Some(r) = rest.strip_prefix('共') {
            ('共', r)
        } else {
            return false;
        };
        let _ = prefix;
        let n = after.chars().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 3 {
            return false;
        }
        let after = &after[n..];
        let Some(after) = after.strip_prefix('页') else {
            return false;
        };
        rest = after.trim_start_matches([',', '，', '、', '/']);
        parts += 1;
    }
    parts > 0
}

/// Clean one line: trailing whitespace, ASCII punctuation between Chinese words, spaces that OCR
/// put between Chinese characters and around digits and punctuation. Leading indentation stays.
fn clean_line(line: &str) -> String {
    let line = line.trim_end();
    let indent_len = line.len() - line.trim_start().len();
    let (indent, body) = line.split_at(indent_len);
    let mut chars: Vec<char> = body.chars().collect();

    // Is this line spaced out character by character (OCR), or are its Han-space-Han gaps real
    // word gaps (a list of names)? Decided once per line so that the decision is stable.
    let (mut spaced, mut tight) = (0usize, 0usize);
    for i in 0..chars.len().saturating_sub(1) {
        if is_han(chars[i]) {
            if is_han(chars[i + 1]) {
                tight += 1;
            } else if chars[i + 1] == ' ' && i + 2 < chars.len() && is_han(chars[i + 2]) {
                spaced += 1;
            }
        }
    }
    let remove_han_gaps = spaced > tight;

    // ASCII punctuation in Chinese context → full width.
    for i in 0..chars.len() {
        let c = chars[i];
        if !matches!(c, ':' | ',' | ';' | '(' | ')' | '!' | '?') {
            continue;
        }
        let left = chars[..i].iter().rev().find(|c| **c != ' ').copied();
        let right = chars[i + 1..].iter().find(|c| **c != ' ').copied();
        let lc = left.is_some_and(is_cjk_context);
        let rc = right.is_some_and(is_cjk_context);
        let l_latin = left.is_some_and(|c| c.is_ascii_alphabetic());
        let convert = match c {
            '(' | ')' => lc || rc,
            _ => lc || (rc && !l_latin),
        };
        if convert {
            chars[i] = match c {
                ':' => '：',
                ',' => '，',
                ';' => '；',
                '(' => '（',
                ')' => '）',
                '!' => '！',
                _ => '？',
            };
        }
    }

    let mut out = String::with_capacity(line.len());
    out.push_str(indent);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\t' {
            let start = i;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                i += 1;
            }
            let left = out.chars().last();
            let right = chars.get(i).copied();
            if let (Some(l), Some(r)) = (left, right) {
                let drop = if is_han(l) && is_han(r) {
                    remove_han_gaps
                } else {
                    let lp = is_cjk_punct(l);
                    let rp = is_cjk_punct(r);
                    (lp || rp)
                        || (is_han(l) && r.is_ascii_digit())
                        || (l.is_ascii_digit() && is_han(r))
                };
                if !drop {
                    out.extend(&chars[start..i]);
                }
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Lines that start a block of their own: salutations, signature and contact lines.
fn starts_block(line: &str) -> bool {
    const CUES: &[&str] = &[
        "尊敬的",
        "敬爱的",
        "此致",
        "敬礼",
        "致：",
        "致:",
        "信访人",
        "来信人",
        "反映人",
        "举报人",
        "申诉人",
        "控告人",
        "上访人",
        "写信人",
        "求助人",
        "来访人",
        "投诉人",
        "请愿人",
        "具名",
        "签名",
        "署名",
        "联名人",
        "联系电话",
        "联系方式",
        "电话：",
        "手机：",
        "身份证",
        "住址",
        "家住",
        "地址：",
        "代笔",
        "代书",
        "附件",
        "附：",
        "抄送",
        "抄报",
        "日期",
        "落款",
        "标题：",
    ];
    // Headings of a forwarding cover note (`交办单`, `南川市信访局转送单`).
    const COVER: &[&str] = &["转送单", "交办单", "转办函", "转办单", "交办函", "转送函"];
    let t = line.trim_start();
    CUES.iter().any(|c| t.starts_with(c))
        || is_addressee_start(t)
        || COVER.iter().any(|c| t.trim_end().ends_with(c))
}

/// `致` followed by an office name (`致县信访局`), not the verb in `致使`.
fn is_addressee_start(t: &str) -> bool {
    let mut it = t.chars();
    (it.next() == Some('致'))
        && matches!(
            it.next(),
            Some('国' | '省' | '市' | '县' | '区' | '镇' | '乡' | '中' | '各' | '尊' | '敬')
        )
}

/// A heading: an enumerated section title (`一、基本情况`, `（二）诉求`, `1、…`) short and
/// without sentence punctuation.
fn is_heading(line: &str) -> bool {
    let t = line.trim();
    let n = t.chars().count();
    if n == 0 || n > 30 || t.contains(['，', '。', ',']) {
        return false;
    }
    let mut it = t.chars();
    let first = it.next().unwrap_or(' ');
    let second = it.next().unwrap_or(' ');
    matches!(
        first,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    ) && matches!(second, '、' | '是')
        || first == '（'
        || first == '('
        || first.is_ascii_digit() && matches!(second, '、' | '.' | '．')
        || t.starts_with('第') && (t.contains(['章', '条']) || t.contains("部分"))
}

static NAME_ROW_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[0-9]{1,3}[.、．)）]\s*)?\p{Han}{2,4}(?:$|\s*[（(]?\s*(?:电话|手机)?[：:]?\s*[0-9][0-9Xx \-]{9,})")
        .expect("name row regex")
});

/// A row of a signature list: a bare name (`董金花`) or a name followed by an ID number or
/// phone (`黄玉成（411528196702126619）`, `2. 李四海 13811112222`). Such rows are never joined.
fn is_name_row(line: &str) -> bool {
    let t = line.trim();
    NAME_ROW_RE.is_match(t) && {
        let t = t.trim_start_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, '.' | '、' | '．' | ')' | '）')
        });
        let run: String = t.trim_start().chars().take_while(|c| is_han(*c)).collect();
        crate::extract::is_person_name(&run)
    }
}

/// A line that is only a date (`2024年3月5日`, `二〇二四年三月五日`, `日期：2024.3.5`).
fn is_date_line(line: &str) -> bool {
    let t = line.trim();
    let t = t
        .strip_prefix("日期")
        .map(|r| r.trim_start_matches(['：', ':', ' ']))
        .unwrap_or(t);
    // OCR specks after the date (`2021-09-17-`, `2024年3月5日 .`).
    let t = t.trim_end_matches(['-', '—', '.', '。', '·', '_', '~', ' ', ',', '，']);
    !t.is_empty() && t.chars().count() <= 16 && crate::extract::parse_date(t).is_some()
}

/// Join lines that a scanner or OCR hard-wrapped inside a paragraph.
fn join_wrapped_lines(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    join_decisions(lines, |line, joined| {
        if joined {
            let last = out.last_mut().expect("a join needs a previous line");
            let l = last.chars().last();
            let r = line.chars().next();
            if l.is_some_and(|c| c.is_ascii_alphabetic())
                && r.is_some_and(|c| c.is_ascii_alphabetic())
            {
                last.push(' ');
            }
            last.push_str(line);
        } else {
            out.push(line.to_owned());
        }
        true
    });
    out
}

/// The joining rules: calls `step(line, joined)` for every line in order, `joined` telling
/// whether the line continues the previous output line; stops when `step` returns false.
///
/// The rules look at the previous output line only through its last character, which is always
/// the last character of the previous input line (a joined line is never blank), so no output
/// needs to be built to decide. The costlier line tests (date, heading, signature row) run only
/// where they can change the decision.
fn join_decisions<S: AsRef<str>>(lines: &[S], mut step: impl FnMut(&str, bool) -> bool) {
    let first_nonempty = lines.iter().position(|l| !l.as_ref().trim().is_empty());
    // Whether the last output line may take the next line as its continuation.
    let mut open = false;
    let mut prev_last: Option<char> = None;
    for (idx, line) in lines.iter().enumerate() {
        let line = line.as_ref();
        let blank = line.trim().is_empty();
        let indented = line.starts_with([' ', '\t', '\u{3000}']);
        let date_or_heading = || is_date_line(line) || is_heading(line) || is_name_row(line);
        // A line ending in a comma is mid-sentence: it continues even into a cue word.
        let mid_sentence = prev_last.is_some_and(|c| matches!(c, '，' | '、' | ','));
        let last = line.chars().last();
        let ends_final = last.is_some_and(is_final_punct);
        let joined = open && !blank && !indented && {
            // A block (cue line, date, heading, name row) is not joined, except a cue line
            // after a comma.
            if starts_block(line) {
                mid_sentence && !date_or_heading()
            } else {
                !date_or_heading()
            }
        };
        if !joined {
            // A line that starts a block (signature, date, heading) never takes a continuation;
            // neither does a short first line without punctuation (the letter's title).
            open = !blank && !ends_final && {
                let is_title = Some(idx) == first_nonempty
                    && line.trim().chars().count() <= 40
                    && !line.contains(['，', '。', ',']);
                // Signature and contact lines are short; a long cue line is a paragraph.
                !is_title && {
                    let doh = date_or_heading();
                    let block = starts_block(line) || doh;
                    let short_block = block && (doh || line.trim().chars().count() <= 24);
                    !short_block
                }
            };
        } else {
            open = !ends_final;
        }
        prev_last = last;
        if !step(line, joined) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_utf8_gbk_utf16_big5() {
        let s = "尊敬的清溪县信访局领导：我叫王建国，是城关镇东关村村民，反映征地补偿问题。";
        let d = decode(s.as_bytes()).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (s, "UTF-8"));

        let (gbk, _, _) = GBK.encode(s);
        let d = decode(&gbk).unwrap();
        assert_eq!(d.text, s);
        assert!(
            d.encoding == "GBK" || d.encoding == "gb18030",
            "{}",
            d.encoding
        );

        let mut le = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&le).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (s, "UTF-16LE"));

        let mut be = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(&be).unwrap().encoding, "UTF-16BE");

        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom8).unwrap().text, s);

        let trad = "尊敬的領導：我們村的土地被徵用，補償款至今沒有發放，請求調查處理。";
        let (b5, _, _) = BIG5.encode(trad);
        let d = decode(&b5).unwrap();
        assert_eq!(d.text, trad);
    }

    #[test]
    fn gb2312_shortcut_takes_gbk_letters_only() {
        let s = "尊敬的清溪县信访局领导：我叫王建国，是城关镇东关村村民，反映征地补偿问题。";
        assert!(looks_like_gb2312(&GBK.encode(s).0));
        let trad = "尊敬的領導：我們村的土地被徵用，補償款至今沒有發放，請求調查處理。";
        assert!(!looks_like_gb2312(&BIG5.encode(trad).0));
        let korean =
            "존경하는 군수님, 저는 마을 주민입니다. 토지 보상금이 아직 지급되지 않았습니다.";
        let euc_kr = encoding_rs::EUC_KR.encode(korean).0;
        assert!(!looks_like_gb2312(&euc_kr));
        let d = decode(&euc_kr).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (korean, "EUC-KR"));
        let sjis = encoding_rs::SHIFT_JIS
            .encode("土地の補償金がまだ支払われていません。調査をお願いします。")
            .0;
        assert!(!looks_like_gb2312(&sjis));
    }

    #[test]
    fn decode_rejects_empty_and_binary() {
        assert_eq!(decode(b""), Err(TextError::Empty));
        assert_eq!(decode(&[0xEF, 0xBB, 0xBF]), Err(TextError::Empty));
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00";
        assert_eq!(decode(png), Err(TextError::Binary));
        let junk: Vec<u8> = (0..200u32).map(|i| (i % 7) as u8 + 1).collect();
        assert_eq!(decode(&junk), Err(TextError::Binary));
    }

    #[test]
    fn decode_gbk_with_gb18030_only_char() {
        // 𠀀 (U+20000) exists only in GB18030's four-byte range.
        let s = "我叫王建国，住清溪县城关镇，反映宅基地问题𠀀，请求处理。";
        let (bytes, _, _) = GB18030.encode(s);
        assert_eq!(decode(&bytes).unwrap().text, s);
    }

    /// Real Tesseract 5 (chi_sim) output of a rendered letter (see ocr/render.py), with the
    /// spacing seen on low-resolution scans added by Tesseract on other pages.
    const OCR_LETTER: &str = "关于清沉县城关镇东关村征地补偿款未发放的反映\r\n尊敬的南川市信访局领导 :\r\n\r\n我叫王建国，是清溪县城关镇东关村村民，身份证号 : 411528196803124571，\r\n联系电话 : 13935512345。2023年5月，县里修高速公路征用我村土地\r\n共计四十二亩，至今补偿款没有发到村民手中。村委会主任李明说钱已\r\n经用完了。我们全村三十二户村民多次找镇政府，没有结果。\r\n\r\n- 1 -\r\n恳请领导为我们做主。\r\n\r\n信访人 : 王建国\r\n二〇二四年三月五日\r\n";

    #[test]
    fn clean_ocr_real_tesseract_output() {
        let c = clean_ocr(OCR_LETTER);
        let expected = "关于清沉县城关镇东关村征地补偿款未发放的反映\n尊敬的南川市信访局领导：\n\n我叫王建国，是清溪县城关镇东关村村民，身份证号：411528196803124571，联系电话：13935512345。2023年5月，县里修高速公路征用我村土地共计四十二亩，至今补偿款没有发到村民手中。村委会主任李明说钱已经用完了。我们全村三十二户村民多次找镇政府，没有结果。\n\n恳请领导为我们做主。\n\n信访人：王建国\n二〇二四年三月五日\n";
        assert_eq!(c, expected);
        assert_eq!(clean_ocr(&c), c, "idempotent");
    }

    #[test]
    fn clean_ocr_spaced_characters() {
        let raw = "我 叫 王 建 国 , 是 东 关 村 村 民 。\n2023 年 5 月 3 日 , 村 委 会 ( 主 任 李 明 ) 说 钱 用 完 了 !";
        let c = clean_ocr(raw);
        assert_eq!(
            c,
            "我叫王建国，是东关村村民。\n2023年5月3日，村委会（主任李明）说钱用完了！"
        );
        assert_eq!(clean_ocr(&c), c);
    }

    #[test]
    fn clean_ocr_keeps_name_gaps_and_latin_spaces() {
        let raw = "签名 : 张三丰 李四海 王小二\n我用 iPhone 手机拍了照片, 发到 Word 文档里。\n时间 10:30, 地点 A 区。";
        let c = clean_ocr(raw);
        assert_eq!(
            c,
            "签名：张三丰 李四海 王小二\n我用 iPhone 手机拍了照片，发到 Word 文档里。\n时间10:30，地点 A 区。"
        );
        assert_eq!(clean_ocr(&c), c);
    }

    #[test]
    fn clean_ocr_folds_compat_code_points_only() {
        let raw = "⽂件第⼀条，⻓期拖欠工资１２个月，ＡＢＣ公司。";
        assert_eq!(clean_ocr(raw), "文件第一条，长期拖欠工资12个月，ABC公司。");
        // full-width Chinese punctuation stays full width.
        let p = "问题：一是（拖欠）工资；二是！三是？";
        assert_eq!(clean_ocr(p), p);
    }

    #[test]
    fn clean_ocr_removes_page_numbers() {
        for pn in [
            "3",
            "- 3 -",
            "—3—",
            "第 3 页",
            "第3页 共5页",
            "第 2 页，共 4 页",
            "2/5",
        ] {
            assert!(is_page_number_line(pn), "{pn}");
        }
        for not in ["13935512345", "2024年", "第三条", "3户", ""] {
            assert!(!is_page_number_line(not), "{not}");
        }
    }

    #[test]
    fn clean_typed_text_is_unchanged() {
        let typed = "关于要求解决拖欠工资问题的请求\n\n尊敬的清溪县信访局领导：\n\u{3000}\u{3000}我们是清溪县第二机械厂的下岗职工，共计56人。工厂于2019年改制，至今拖欠我们工资。\n一、基本情况\n2019年5月，厂里宣布改制。\n二、我们的诉求\n    请求补发工资。\n此致\n敬礼！\n                  联名人：张三 李四 王五\n                  联系电话：13935512345\n                  2024年3月5日";
        assert_eq!(clean_ocr(typed), typed);
        let crlf = typed.replace('\n', "\r\n");
        assert_eq!(clean_ocr(&crlf), typed);
    }

    #[test]
    fn a_signature_line_takes_no_continuation() {
        for cue in ["写信人", "信访人", "求助人", "投诉人"] {
            let t = format!(
                "再次恳求领导为民做主！\n\n{cue}：孙丽\n我的手机号183 0926 8331\n2022-03-29"
            );
            assert_eq!(clean_ocr(&t), t, "{cue}");
        }
    }

    #[test]
    fn cleans_across_a_joined_break() {
        let raw = "本人邓学文，男，系朱砂镇红石岗村8组人，联系电话\n: 18335154685。";
        let c = clean_ocr(raw);
        assert_eq!(
            c,
            "本人邓学文，男，系朱砂镇红石岗村8组人，联系电话：18335154685。"
        );
        assert_eq!(clean_ocr(&c), c);
    }

    #[test]
    fn keeps_signature_rows_apart() {
        let raw = ".联系方式: 13820888546\n2021-09-17-\n";
        assert_eq!(clean_ocr(raw), ".联系方式：13820888546\n2021-09-17-\n");
        let raw = "联名群众签名（按手印）：\n黄玉成（411528196702126619） 电话131-4772-6339\n丁志刚（411528194506054292）\n董金花\n康美玲\n2. 李四海 13811112222\n2022.6.13";
        let c = clean_ocr(raw);
        assert_eq!(c.lines().count(), 7, "{c}");
        assert_eq!(clean_ocr(&c), c);
    }

    /// `join_wrapped_lines` as it was before the rules moved into `join_decisions`: the reference
    /// the faster code is held to.
    fn join_wrapped_lines_reference(lines: &[String]) -> Vec<String> {
        let first_nonempty = lines.iter().position(|l| !l.trim().is_empty());
        let mut out: Vec<String> = Vec::with_capacity(lines.len());
        // Whether the last line in `out` may take the next line as its continuation.
        let mut open = false;
        for (idx, line) in lines.iter().enumerate() {
            let blank = line.trim().is_empty();
            let indented = line.starts_with([' ', '\t', '\u{3000}']);
            let date_or_heading = is_date_line(line) || is_heading(line) || is_name_row(line);
            let block = starts_block(line) || date_or_heading;
            // A line ending in a comma is mid-sentence: it continues even into a cue word.
            let mid_sentence = out
                .last()
                .and_then(|l| l.chars().last())
                .is_some_and(|c| matches!(c, '，' | '、' | ','));
            if open && !blank && !indented && (!block || mid_sentence && !date_or_heading) {
                let last = out.last_mut().expect("open implies a previous line");
                let l = last.chars().last();
                let r = line.chars().next();
                if l.is_some_and(|c| c.is_ascii_alphabetic())
                    && r.is_some_and(|c| c.is_ascii_alphabetic())
                {
                    last.push(' ');
                }
                last.push_str(line);
            } else {
                out.push(line.clone());
                // A line that starts a block (signature, date, heading) never takes a continuation;
                // neither does a short first line without punctuation (the letter's title).
                let is_title = Some(idx) == first_nonempty
                    && line.trim().chars().count() <= 40
                    && !line.contains(['，', '。', ',']);
                // Signature and contact lines are short; a long cue line is a paragraph.
                let short_block = block && (date_or_heading || line.trim().chars().count() <= 24);
                open = !blank && !short_block && !is_title;
            }
            if open {
                let last = out.last().expect("pushed above");
                open = !last.chars().last().is_some_and(is_final_punct);
            }
        }
        out
    }

    /// `clean_ocr` as it was before the fast path (full clean-up, reference joining).
    fn clean_ocr_reference(raw: &str) -> String {
        join_wrapped_lines_reference(&cleaned_lines(raw))
            .iter()
            .map(|l| clean_line(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The same letter as OCR would damage it: spaced-out characters, ASCII punctuation with
    /// spaces, hard wraps every `wrap` characters, page numbers, full-width digits.
    fn ocr_damaged(text: &str, wrap: usize) -> String {
        let mut out = String::new();
        for (k, line) in text.lines().enumerate() {
            let mut n = 0;
            for c in line.chars() {
                match c {
                    '：' => out.push_str(" : "),
                    '，' => out.push_str(", "),
                    '（' => out.push_str(" ("),
                    '）' => out.push_str(") "),
                    '1' if k % 3 == 0 => out.push('１'),
                    _ => {
                        out.push(c);
                        if k % 2 == 0 && is_han(c) {
                            out.push(' ');
                        }
                    }
                }
                n += 1;
                if n % wrap == 0 {
                    out.push('\n');
                }
            }
            out.push('\n');
            if k == 5 {
                out.push_str("- 1 -\n");
            }
        }
        out
    }

    /// The fast path, the full clean-up and the clean-up as it was before either agree on every
    /// letter of the corpus (typed letters in every encoding and real Tesseract output), on the
    /// same letters with Windows line ends or OCR-style damage, and on the clean-up's own output;
    /// typed letters do take the fast path.
    #[test]
    fn fast_path_matches_full_clean_up_on_the_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let (mut letters, mut fast) = (0, 0);
        for dir in ["letters", "ocr"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let entry = entry.unwrap();
                if entry.path().extension().and_then(|e| e.to_str()) != Some("txt") {
                    continue;
                }
                let Ok(d) = decode(&std::fs::read(entry.path()).unwrap()) else {
                    continue;
                };
                letters += 1;
                let full = clean_ocr_full(&d.text);
                let crlf = d.text.replace('\n', "\r\n");
                let (damaged, wrapped) = (ocr_damaged(&d.text, 17), ocr_damaged(&d.text, 40));
                for input in [&d.text, &crlf, &full, &damaged, &wrapped] {
                    let expected = clean_ocr_reference(input);
                    assert_eq!(
                        clean_ocr_full(input),
                        expected,
                        "{}",
                        entry.path().display()
                    );
                    if let Some(f) = clean_as_is(input) {
                        assert_eq!(f, expected, "{}", entry.path().display());
                        fast += 1;
                    }
                    assert_eq!(clean_ocr(input), expected, "{}", entry.path().display());
                }
                assert_eq!(
                    clean_ocr(&full),
                    full,
                    "idempotent: {}",
                    entry.path().display()
                );
            }
        }
        assert!(letters >= 80, "{letters} corpus letters");
        assert!(
            fast >= letters,
            "fast path taken {fast} times on {letters} letters"
        );
    }

    #[test]
    fn joins_latin_words_with_space() {
        let raw = "反映问题：\n村里成立了 Green\nEnergy 公司占用土地";
        assert_eq!(
            clean_ocr(raw),
            "反映问题：\n村里成立了 Green Energy 公司占用土地"
        );
    }
}
