//! PDF fonts as a text extractor needs them: how each string's bytes split into glyphs, what
//! Unicode text each glyph stands for, and how far it advances the pen.
//!
//! `/ToUnicode` always wins over `/Encoding` (Chromium writes Type3 fonts whose `/Differences`
//! names are meaningless, with a correct `/ToUnicode`). CID fonts without `/ToUnicode` are
//! mapped through their character collection (`Adobe-GB1` …, see [`super::cmap`]). A glyph that
//! cannot be mapped is reported as unmapped, never guessed: the page classifier decides whether
//! the page is real text. Each font is parsed once per document; decoding a string allocates
//! nothing per glyph.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::cmap::{
    next_unicode, predefined_cmap, unicode_cmap, CidCMap, CodeSpaces, Collection, PredefinedCMap,
    ToUnicode, UnicodeForm,
};

/// How codes of a Type0 font become CIDs.
enum CidEncoding {
    /// `Identity-H` / `Identity-V`: two-byte codes are the CIDs.
    Identity,
    /// `UniGB-UCS2-H` and friends: codes are Unicode already.
    Unicode(UnicodeForm),
    Predefined(&'static PredefinedCMap),
    Embedded(CidCMap),
}

enum Kind {
    /// One-byte codes; `encoding` from `/Encoding` (base encoding + `/Differences`).
    Simple { encoding: Box<[Option<char>; 256]> },
    Cid {
        encoding: CidEncoding,
        collection: Option<Collection>,
    },
}

enum Widths {
    Simple {
        first: u32,
        widths: Vec<f32>,
        missing: f32,
    },
    Cid {
        default: f32,
        map: HashMap<u32, f32>,
    },
}

/// One glyph of a decoded string.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Glyph {
    /// Byte range of the glyph's text in the output buffer (empty when unmapped).
    pub(crate) text_start: usize,
    pub(crate) text_end: usize,
    /// Horizontal advance in text space units per unit of font size.
    pub(crate) advance: f32,
    /// A single-byte code 32: word spacing (`Tw`) applies.
    pub(crate) word_space: bool,
    /// The glyph has no Unicode value anywhere.
    pub(crate) unmapped: bool,
}

/// A font of the document, ready to decode strings.
pub(crate) struct Font {
    kind: Kind,
    to_unicode: Option<ToUnicode>,
    widths: Widths,
    /// Glyph space → text space for widths: 1/1000, or the Type3 `/FontMatrix` scale.
    width_scale: f32,
    /// The em size in units of the font size: 1, or what a Type3 `/FontMatrix` makes of it.
    pub(crate) em_scale: f32,
}

fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> &'a Object {
    doc.dereference(obj).map(|(_, o)| o).unwrap_or(obj)
}

fn dict_get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().map(|o| resolve(doc, o))
}

fn name_of(obj: &Object) -> Option<String> {
    match obj {
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

fn number(obj: &Object) -> Option<f32> {
    match obj {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn stream_bytes(doc: &Document, obj: &Object) -> Option<Vec<u8>> {
    match resolve(doc, obj) {
        Object::Stream(s) => Some(
            s.decompressed_content()
                .unwrap_or_else(|_| s.content.clone()),
        ),
        _ => None,
    }
}

impl Font {
    /// Builds a font from its dictionary. Never fails: what is missing stays unmapped.
    pub(crate) fn load(doc: &Document, dict: &Dictionary) -> Font {
        let subtype = dict_get(doc, dict, b"Subtype")
            .and_then(name_of)
            .unwrap_or_default();
        let to_unicode = dict_get(doc, dict, b"ToUnicode")
            .and_then(|o| stream_bytes(doc, o))
            .map(|b| ToUnicode::parse(&b))
            .filter(|m| !m.is_empty());
        if subtype == "Type0" {
            Font::load_type0(doc, dict, to_unicode)
        } else {
            Font::load_simple(doc, dict, &subtype, to_unicode)
        }
    }

    fn load_type0(doc: &Document, dict: &Dictionary, to_unicode: Option<ToUnicode>) -> Font {
        let descendant = dict_get(doc, dict, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .map(|o| resolve(doc, o))
            .and_then(|o| o.as_dict().ok());
        let mut collection = descendant
            .and_then(|d| dict_get(doc, d, b"CIDSystemInfo"))
            .and_then(|o| o.as_dict().ok())
            .and_then(|info| {
                let registry = dict_get(doc, info, b"Registry").and_then(string_of)?;
                let ordering = dict_get(doc, info, b"Ordering").and_then(string_of)?;
                (registry == "Adobe")
                    .then(|| Collection::from_ordering(&ordering))
                    .flatten()
            });
        let encoding = match dict_get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => {
                let name = String::from_utf8_lossy(n);
                named_cid_encoding(&name, &mut collection)
            }
            Some(obj @ Object::Stream(_)) => {
                let cmap = CidCMap::parse(&stream_bytes(doc, obj).unwrap_or_default());
                match cmap.base() {
                    Some(base) if cmap.spaces.is_empty() => {
                        named_cid_encoding(base, &mut collection)
                    }
                    _ => CidEncoding::Embedded(cmap),
                }
            }
            _ => CidEncoding::Identity,
        };
        // Fonts with an Identity ordering whose embedded CFF program declares a real
        // collection (xdvipdfmx writes Adobe-GB1 fonts like this): use the program's ROS.
        if collection.is_none() {
            collection = descendant
                .and_then(|d| dict_get(doc, d, b"FontDescriptor"))
                .and_then(|o| o.as_dict().ok())
                .and_then(|fd| dict_get(doc, fd, b"FontFile3"))
                .and_then(|o| stream_bytes(doc, o))
                .and_then(|b| cff_ordering(&b))
                .and_then(|o| Collection::from_ordering(&o));
        }
        let mut default = 1000.0;
        let mut map = HashMap::new();
        if let Some(d) = descendant {
            if let Some(dw) = dict_get(doc, d, b"DW").and_then(number) {
                default = dw;
            }
            if let Some(Object::Array(w)) = dict_get(doc, d, b"W") {
                parse_cid_widths(doc, w, &mut map);
            }
        }
        Font {
            kind: Kind::Cid {
                encoding,
                collection,
            },
            to_unicode,
            widths: Widths::Cid { default, map },
            width_scale: 0.001,
            em_scale: 1.0,
        }
    }

    fn load_simple(
        doc: &Document,
        dict: &Dictionary,
        subtype: &str,
        to_unicode: Option<ToUnicode>,
    ) -> Font {
        let mut encoding: Box<[Option<char>; 256]> = Box::new([None; 256]);
        let base_default = if subtype == "TrueType" {
            BaseEncoding::WinAnsi
        } else {
            BaseEncoding::Standard
        };
        let mut differences: Option<&Vec<Object>> = None;
        let base = match dict_get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => BaseEncoding::from_name(n).unwrap_or(base_default),
            Some(Object::Dictionary(d)) => {
                if let Some(Object::Array(a)) = dict_get(doc, d, b"Differences") {
                    differences = Some(a);
                }
                dict_get(doc, d, b"BaseEncoding")
                    .and_then(|o| match o {
                        Object::Name(n) => BaseEncoding::from_name(n),
                        _ => None,
                    })
                    .unwrap_or(base_default)
            }
            _ => base_default,
        };
        for (code, slot) in encoding.iter_mut().enumerate() {
            *slot = base.decode(code as u8);
        }
        if let Some(diffs) = differences {
            let mut code: usize = 0;
            for item in diffs {
                match resolve(doc, item) {
                    Object::Integer(i) => code = (*i).clamp(0, 255) as usize,
                    Object::Name(n) => {
                        if code < 256 {
                            encoding[code] = glyph_name_to_unicode(&String::from_utf8_lossy(n));
                        }
                        code += 1;
                    }
                    _ => {}
                }
            }
        }
        let first = dict_get(doc, dict, b"FirstChar")
            .and_then(number)
            .unwrap_or(0.0)
            .max(0.0) as u32;
        let widths: Vec<f32> = match dict_get(doc, dict, b"Widths") {
            Some(Object::Array(a)) => a
                .iter()
                .map(|o| number(resolve(doc, o)).unwrap_or(0.0))
                .collect(),
            _ => Vec::new(),
        };
        let missing = dict_get(doc, dict, b"FontDescriptor")
            .and_then(|o| o.as_dict().ok())
            .and_then(|fd| dict_get(doc, fd, b"MissingWidth"))
            .and_then(number)
            .unwrap_or(if widths.is_empty() { 500.0 } else { 0.0 });
        let (width_scale, em_scale) = match dict_get(doc, dict, b"FontMatrix") {
            Some(Object::Array(m)) if subtype == "Type3" => {
                let at = |k: usize| m.get(k).and_then(|o| number(resolve(doc, o)));
                let a = at(0).unwrap_or(0.001);
                let d = at(3).unwrap_or(0.001).abs();
                let em = if d > 0.0 && d.is_finite() {
                    d * 1000.0
                } else {
                    1.0
                };
                (a, em)
            }
            _ => (0.001, 1.0),
        };
        Font {
            kind: Kind::Simple { encoding },
            to_unicode,
            widths: Widths::Simple {
                first,
                widths,
                missing,
            },
            width_scale,
            em_scale,
        }
    }

    fn width(&self, key: u32) -> f32 {
        let w = match &self.widths {
            Widths::Simple {
                first,
                widths,
                missing,
            } => key
                .checked_sub(*first)
                .and_then(|i| widths.get(i as usize))
                .copied()
                .unwrap_or(*missing),
            Widths::Cid { default, map } => map.get(&key).copied().unwrap_or(*default),
        };
        w * self.width_scale
    }

    /// Decodes `bytes`, appending each glyph's text to `out` and calling `f` per glyph.
    pub(crate) fn decode(&self, bytes: &[u8], out: &mut String, mut f: impl FnMut(Glyph)) {
        match &self.kind {
            Kind::Simple { encoding } => {
                for &b in bytes {
                    let start = out.len();
                    let code = b as u32;
                    let mapped = self.to_unicode.as_ref().is_some_and(|m| m.push(code, out))
                        || encoding[b as usize].map(|c| out.push(c)).is_some();
                    f(Glyph {
                        text_start: start,
                        text_end: out.len(),
                        advance: self.width(code),
                        word_space: b == 32,
                        unmapped: !mapped,
                    });
                }
            }
            Kind::Cid {
                encoding,
                collection,
            } => {
                let identity_spaces;
                let spaces: &CodeSpaces = match encoding {
                    CidEncoding::Identity => {
                        identity_spaces = CodeSpaces::two_byte();
                        &identity_spaces
                    }
                    CidEncoding::Predefined(p) => &p.spaces,
                    CidEncoding::Embedded(c) => &c.spaces,
                    CidEncoding::Unicode(_) => {
                        identity_spaces = CodeSpaces::default();
                        &identity_spaces
                    }
                };
                let mut rest = bytes;
                while !rest.is_empty() {
                    let start = out.len();
                    let (code, len, cid, direct) = match encoding {
                        CidEncoding::Unicode(form) => {
                            let (c, len) = next_unicode(*form, rest);
                            let code = rest[..len].iter().fold(0u32, |a, &b| (a << 8) | b as u32);
                            (code, len, None, c)
                        }
                        CidEncoding::Identity => {
                            let (code, len) = spaces.next_code(rest);
                            (code, len, Some(code), None)
                        }
                        CidEncoding::Predefined(p) => {
                            let (code, len) = spaces.next_code(rest);
                            (code, len, p.cid(code, len), None)
                        }
                        CidEncoding::Embedded(c) => {
                            let (code, len) = spaces.next_code(rest);
                            let cid = c.cid(code, len).or_else(|| {
                                c.base()
                                    .and_then(predefined_cmap)
                                    .and_then(|p| p.cid(code, len))
                            });
                            (code, len, cid, None)
                        }
                    };
                    rest = &rest[len.min(rest.len())..];
                    let from_collection = |cid: Option<u32>| {
                        cid.and_then(|cid| collection.and_then(|c| c.unicode(cid)))
                    };
                    let mut mapped = false;
                    if let Some(m) = &self.to_unicode {
                        if m.push(code, out) {
                            mapped = true;
                            // A private-use value where the collection knows better.
                            let pua = out[start..].chars().all(is_private_use);
                            if pua {
                                if let Some(c) = from_collection(cid) {
                                    out.truncate(start);
                                    out.push(c);
                                }
                            }
                        }
                    }
                    if !mapped {
                        if let Some(c) = direct.or_else(|| from_collection(cid)) {
                            out.push(c);
                            mapped = true;
                        }
                    }
                    let advance = match (cid, direct) {
                        (Some(cid), _) => self.width(cid),
                        // Unicode CMaps: no CID at hand; half-width for ASCII, full otherwise.
                        (None, Some(c)) if c.is_ascii() => 0.5,
                        _ => 1.0,
                    };
                    f(Glyph {
                        text_start: start,
                        text_end: out.len(),
                        advance,
                        word_space: len == 1 && code == 32,
                        unmapped: !mapped,
                    });
                }
            }
        }
    }
}

fn named_cid_encoding(name: &str, collection: &mut Option<Collection>) -> CidEncoding {
    if name.starts_with("Identity") {
        return CidEncoding::Identity;
    }
    if let Some((form, coll)) = unicode_cmap(name) {
        if collection.is_none() {
            *collection = coll;
        }
        return CidEncoding::Unicode(form);
    }
    match predefined_cmap(name) {
        Some(p) => {
            if collection.is_none() {
                *collection = Some(p.collection);
            }
            CidEncoding::Predefined(p)
        }
        None => CidEncoding::Identity,
    }
}

fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
}

fn string_of(obj: &Object) -> Option<String> {
    match obj {
        Object::String(s, _) => Some(String::from_utf8_lossy(s).into_owned()),
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

fn parse_cid_widths(doc: &Document, w: &[Object], map: &mut HashMap<u32, f32>) {
    let mut i = 0;
    while i < w.len() {
        let Some(first) = number(resolve(doc, &w[i])) else {
            i += 1;
            continue;
        };
        let first = first.max(0.0) as u32;
        match w.get(i + 1).map(|o| resolve(doc, o)) {
            Some(Object::Array(list)) => {
                for (k, o) in list.iter().enumerate().take(65536) {
                    if let Some(v) = number(resolve(doc, o)) {
                        map.insert(first + k as u32, v);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let last = number(o).unwrap_or(0.0).max(0.0) as u32;
                let v = w.get(i + 2).and_then(|o| number(resolve(doc, o)));
                if let Some(v) = v {
                    // Bound pathological ranges; the default width covers the rest.
                    for cid in first..=last.min(first.saturating_add(65535)) {
                        map.insert(cid, v);
                    }
                }
                i += 3;
            }
            None => break,
        }
    }
}

/// The `/Ordering` of a CID-keyed CFF font program's ROS operator (`Adobe-GB1-5` → `GB1`).
fn cff_ordering(cff: &[u8]) -> Option<String> {
    // Header, Name INDEX, Top DICT INDEX, String INDEX (CFF spec, Adobe TN #5176).
    let hdr_size = *cff.get(2)? as usize;
    let (_, after_names) = cff_index(cff, hdr_size)?;
    let (top_dicts, after_top) = cff_index(cff, after_names)?;
    let (strings, _) = cff_index(cff, after_top)?;
    let top = *top_dicts.first()?;
    let mut operands: Vec<i32> = Vec::new();
    let mut i = 0;
    while i < top.len() {
        let b0 = top[i];
        match b0 {
            12 => {
                let op = *top.get(i + 1)?;
                if op == 30 && operands.len() >= 2 {
                    let sid = operands[1];
                    // Standard strings end at SID 390; custom strings follow.
                    let idx = usize::try_from(sid - 391).ok()?;
                    let s = strings.get(idx)?;
                    return Some(String::from_utf8_lossy(s).into_owned());
                }
                operands.clear();
                i += 2;
            }
            0..=21 => {
                operands.clear();
                i += 1;
            }
            28 => {
                operands.push(i16::from_be_bytes([*top.get(i + 1)?, *top.get(i + 2)?]) as i32);
                i += 3;
            }
            29 => {
                let b = top.get(i + 1..i + 5)?;
                operands.push(i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                i += 5;
            }
            30 => {
                // Real number: skip nibbles up to the 0xF terminator.
                i += 1;
                while i < top.len() {
                    let b = top[i];
                    i += 1;
                    if b & 0x0F == 0x0F || b >> 4 == 0x0F {
                        break;
                    }
                }
                operands.push(0);
            }
            32..=246 => {
                operands.push(b0 as i32 - 139);
                i += 1;
            }
            247..=250 => {
                operands.push((b0 as i32 - 247) * 256 + *top.get(i + 1)? as i32 + 108);
                i += 2;
            }
            251..=254 => {
                operands.push(-(b0 as i32 - 251) * 256 - *top.get(i + 1)? as i32 - 108);
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// A CFF INDEX at `pos`: its items and the offset just after it.
fn cff_index(data: &[u8], pos: usize) -> Option<(Vec<&[u8]>, usize)> {
    let count = u16::from_be_bytes([*data.get(pos)?, *data.get(pos + 1)?]) as usize;
    if count == 0 {
        return Some((Vec::new(), pos + 2));
    }
    let off_size = *data.get(pos + 2)? as usize;
    if !(1..=4).contains(&off_size) {
        return None;
    }
    let offsets_at = pos + 3;
    let read_off = |k: usize| -> Option<usize> {
        let b = data.get(offsets_at + k * off_size..offsets_at + (k + 1) * off_size)?;
        Some(b.iter().fold(0usize, |a, &x| (a << 8) | x as usize))
    };
    let data_start = offsets_at + (count + 1) * off_size - 1;
    let mut items = Vec::with_capacity(count.min(4096));
    for k in 0..count {
        let (a, b) = (read_off(k)?, read_off(k + 1)?);
        items.push(data.get(data_start + a..data_start + b)?);
    }
    Some((items, data_start + read_off(count)?))
}

/// Base encodings of simple fonts.
#[derive(Clone, Copy)]
enum BaseEncoding {
    Standard,
    WinAnsi,
    MacRoman,
}

const WIN_ANSI_80: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

const MAC_ROMAN_80: &str = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
¿¡¬√ƒ≈∆«»…\u{A0}ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\u{F8FF}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ";

impl BaseEncoding {
    fn from_name(n: &[u8]) -> Option<BaseEncoding> {
        match n {
            b"WinAnsiEncoding" => Some(BaseEncoding::WinAnsi),
            b"MacRomanEncoding" | b"MacExpertEncoding" => Some(BaseEncoding::MacRoman),
            b"StandardEncoding" => Some(BaseEncoding::Standard),
            _ => None,
        }
    }

    fn decode(self, b: u8) -> Option<char> {
        match (self, b) {
            (_, 0x20..=0x7E) => Some(match (self, b) {
                (BaseEncoding::Standard, 0x27) => '\u{2019}',
                (BaseEncoding::Standard, 0x60) => '\u{2018}',
                _ => b as char,
            }),
            (BaseEncoding::WinAnsi, 0x80..=0x9F) => {
                char::from_u32(WIN_ANSI_80[(b - 0x80) as usize] as u32).filter(|&c| c != '\0')
            }
            (BaseEncoding::WinAnsi, 0xA0..=0xFF) => Some(b as char),
            (BaseEncoding::MacRoman, 0x80..=0xFF) => MAC_ROMAN_80.chars().nth((b - 0x80) as usize),
            _ => None,
        }
    }
}

/// Unicode of a glyph name (`uni738B`, `u2F00`, `a`, `zero`, `comma` …): the forms
/// producers actually write, and the Adobe Glyph List names of ASCII and common punctuation.
pub(crate) fn glyph_name_to_unicode(name: &str) -> Option<char> {
    let base = name.split('.').next().unwrap_or(name);
    if let Some(hex) = base.strip_prefix("uni") {
        if hex.len() >= 4 && hex.len() % 4 == 0 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return u32::from_str_radix(&hex[..4], 16)
                .ok()
                .and_then(char::from_u32);
        }
    }
    if let Some(hex) = base.strip_prefix('u') {
        if (4..=6).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
        }
    }
    if base.len() == 1 && base.as_bytes()[0].is_ascii_alphabetic() {
        return base.chars().next();
    }
    const NAMES: &[(&str, char)] = &[
        ("space", ' '),
        ("exclam", '!'),
        ("quotedbl", '"'),
        ("numbersign", '#'),
        ("dollar", '$'),
        ("percent", '%'),
        ("ampersand", '&'),
        ("quotesingle", '\''),
        ("quoteright", '\u{2019}'),
        ("quoteleft", '\u{2018}'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("asterisk", '*'),
        ("plus", '+'),
        ("comma", ','),
        ("hyphen", '-'),
        ("minus", '\u{2212}'),
        ("period", '.'),
        ("slash", '/'),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("colon", ':'),
        ("semicolon", ';'),
        ("less", '<'),
        ("equal", '='),
        ("greater", '>'),
        ("question", '?'),
        ("at", '@'),
        ("bracketleft", '['),
        ("backslash", '\\'),
        ("bracketright", ']'),
        ("asciicircum", '^'),
        ("underscore", '_'),
        ("grave", '`'),
        ("braceleft", '{'),
        ("bar", '|'),
        ("braceright", '}'),
        ("asciitilde", '~'),
        ("bullet", '\u{2022}'),
        ("endash", '\u{2013}'),
        ("emdash", '\u{2014}'),
        ("quotedblleft", '\u{201C}'),
        ("quotedblright", '\u{201D}'),
        ("ellipsis", '\u{2026}'),
        ("periodcentered", '\u{00B7}'),
        ("middot", '\u{00B7}'),
        ("multiply", '\u{00D7}'),
        ("degree", '\u{00B0}'),
        ("section", '\u{00A7}'),
        ("copyright", '\u{00A9}'),
        ("registered", '\u{00AE}'),
        ("trademark", '\u{2122}'),
        ("nbspace", '\u{00A0}'),
        ("fi", '\u{FB01}'),
        ("fl", '\u{FB02}'),
    ];
    NAMES.iter().find(|(n, _)| *n == base).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name_to_unicode("uni738B"), Some('王'));
        assert_eq!(glyph_name_to_unicode("u2F00"), Some('\u{2F00}'));
        assert_eq!(glyph_name_to_unicode("zero"), Some('0'));
        assert_eq!(glyph_name_to_unicode("a.sc"), Some('a'));
        assert_eq!(glyph_name_to_unicode("g123"), None);
    }

    #[test]
    fn cff_ros_of_a_real_latex_font() {
        // xdvipdfmx embeds FandolSong as a CID-keyed CFF (FontFile3) whose ROS is Adobe-GB1.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/real/pdf/xelatex-fandol-broken-tounicode.pdf");
        let Ok(bytes) = std::fs::read(&path) else {
            println!("skipped: real PDF directory ../shared/data/real/pdf is absent");
            return;
        };
        let doc = Document::load_mem(&bytes).expect("loads");
        let orderings: Vec<String> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter_map(|d| d.get(b"FontFile3").ok())
            .filter_map(|o| stream_bytes(&doc, o))
            .filter_map(|b| cff_ordering(&b))
            .collect();
        assert!(orderings.iter().any(|o| o == "GB1"), "{orderings:?}");
    }

    #[test]
    fn base_encodings() {
        assert_eq!(BaseEncoding::WinAnsi.decode(0x93), Some('\u{201C}'));
        assert_eq!(BaseEncoding::WinAnsi.decode(0xE9), Some('é'));
        assert_eq!(BaseEncoding::MacRoman.decode(0x80), Some('Ä'));
        assert_eq!(BaseEncoding::MacRoman.decode(0xFF), Some('ˇ'));
        assert_eq!(BaseEncoding::Standard.decode(0x41), Some('A'));
    }
}
