//! One page's text in reading order, rebuilt from glyph positions.
//!
//! Walks the content stream itself (BT/ET, Tf, Tj, TJ, ', ", Td/TD/Tm/T*, q/Q/cm, Form
//! XObjects) instead of trusting text-object order: producers split one visual line into many
//! text objects (`男，` / `56` / `岁`, an ID number on its own), and lopdf's own extractor breaks
//! a line at each of them. Glyphs with the same baseline become one line, sorted by x; lines go
//! top to bottom; a gap between glyph runs becomes nothing between Chinese characters and a
//! space between Latin words; a larger vertical gap becomes a blank line (paragraph break).
//! Never panics on odd content: unknown operators and bad operands are skipped.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::fonts::{Font, Glyph};

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` in PDF's row-vector convention (apply `a` first, then `b`).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
}

/// Fonts of a document, each parsed once (`ObjectId`s for shared fonts, addresses for fonts
/// written inline in a resource dictionary).
#[derive(Default)]
pub(crate) struct FontCache {
    by_id: HashMap<ObjectId, Rc<Font>>,
    inline: HashMap<usize, Rc<Font>>,
}

/// What one page yielded.
#[derive(Debug, Default)]
pub(crate) struct PageText {
    pub(crate) text: String,
    /// Glyphs shown on the page, and how many of them had no Unicode value.
    pub(crate) glyphs: usize,
    pub(crate) unmapped: usize,
    pub(crate) has_images: bool,
}

/// A placed glyph, in display coordinates (y up, page rotation applied).
#[derive(Clone, Copy, Debug)]
struct Placed {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    start: u32,
    end: u32,
    space: bool,
}

#[derive(Clone)]
struct TextState {
    font: Option<Rc<Font>>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    h_scale: f32,
    leading: f32,
    rise: f32,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    text: TextState,
}

struct Walker<'a> {
    doc: &'a Document,
    fonts: &'a mut FontCache,
    /// Text of all glyphs, glyph boxes index into it.
    buf: String,
    placed: Vec<Placed>,
    glyphs: usize,
    unmapped: usize,
    has_images: bool,
    rotation: i64,
    /// The visible page area (CropBox, else MediaBox) in user space: glyphs whose origin lies
    /// outside it are not on the page (code lines running off the edge, hidden text).
    visible: Option<[f32; 4]>,
}

const MAX_FORM_DEPTH: usize = 8;

/// Extracts the text of one page.
pub(crate) fn page_text(doc: &Document, page_id: ObjectId, fonts: &mut FontCache) -> PageText {
    let page = doc.get_dictionary(page_id).ok();
    let rotation = page
        .and_then(|p| inherited(doc, p, b"Rotate"))
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0)
        .rem_euclid(360);
    let visible = page.and_then(|p| {
        let b = inherited(doc, p, b"CropBox").or_else(|| inherited(doc, p, b"MediaBox"))?;
        let [x0, y0, x1, y1] = nums::<4>(b.as_array().ok()?)?;
        Some([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)])
    });
    let mut resources: Vec<&Dictionary> = Vec::new();
    if let Ok((direct, ids)) = doc.get_page_resources(page_id) {
        resources.extend(direct);
        resources.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    }
    let content = doc.get_page_content(page_id);
    let mut w = Walker {
        doc,
        fonts,
        buf: String::new(),
        placed: Vec::new(),
        glyphs: 0,
        unmapped: 0,
        has_images: false,
        rotation,
        visible,
    };
    let state = GState {
        ctm: IDENTITY,
        text: TextState {
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        },
    };
    w.run(&content, &resources, state, 0);
    let text = build_lines(&w.buf, &mut w.placed);
    PageText {
        text,
        glyphs: w.glyphs,
        unmapped: w.unmapped,
        has_images: w.has_images,
    }
}

fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut dict = page;
    for _ in 0..32 {
        if let Ok(v) = dict.get(key) {
            return doc.dereference(v).ok().map(|(_, o)| o);
        }
        dict = dict
            .get(b"Parent")
            .ok()
            .and_then(|p| doc.dereference(p).ok())
            .and_then(|(_, o)| o.as_dict().ok())?;
    }
    None
}

/// A named resource (`/Font /F1`, `/XObject /Im0`) from the innermost resource dictionary
/// that has it.
fn lookup<'r>(
    doc: &'r Document,
    resources: &[&'r Dictionary],
    kind: &[u8],
    name: &[u8],
) -> Option<&'r Object> {
    resources.iter().find_map(|res| {
        let sub = res.get(kind).ok()?;
        let sub = doc.dereference(sub).ok()?.1.as_dict().ok()?;
        sub.get(name).ok()
    })
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn nums<const N: usize>(ops: &[Object]) -> Option<[f32; N]> {
    if ops.len() < N {
        return None;
    }
    let mut out = [0.0; N];
    for (slot, o) in out.iter_mut().zip(&ops[ops.len() - N..]) {
        *slot = num(o)?;
    }
    Some(out)
}

impl<'a> Walker<'a> {
    fn font<'r>(&mut self, resources: &[&'r Dictionary], name: &[u8]) -> Option<Rc<Font>>
    where
        'a: 'r,
    {
        let doc = self.doc;
        let obj = lookup(doc, resources, b"Font", name)?;
        match obj {
            Object::Reference(id) => {
                if let Some(f) = self.fonts.by_id.get(id) {
                    return Some(f.clone());
                }
                let dict = doc.get_dictionary(*id).ok()?;
                let f = Rc::new(Font::load(doc, dict));
                self.fonts.by_id.insert(*id, f.clone());
                Some(f)
            }
            Object::Dictionary(d) => {
                let key = d as *const Dictionary as usize;
                if let Some(f) = self.fonts.inline.get(&key) {
                    return Some(f.clone());
                }
                let f = Rc::new(Font::load(doc, d));
                self.fonts.inline.insert(key, f.clone());
                Some(f)
            }
            _ => None,
        }
    }

    fn to_display(&self, x: f32, y: f32) -> (f32, f32) {
        match self.rotation {
            90 => (y, -x),
            180 => (-x, -y),
            270 => (-y, x),
            _ => (x, y),
        }
    }

    fn run<'r>(&mut self, content: &[u8], resources: &[&'r Dictionary], state: GState, depth: usize)
    where
        'a: 'r,
    {
        let mut gs = state;
        let mut stack: Vec<GState> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        for op in Content::<Vec<lopdf::content::Operation>>::decode_iter(content) {
            let Ok(op) = op else {
                // lopdf stops at inline images with filters; the page has an image then.
                if contains(content, b"BI") && contains(content, b"ID") {
                    self.has_images = true;
                }
                break;
            };
            let ops = &op.operands;
            match op.operator.as_str() {
                // Nesting deeper than any real producer writes is ignored, not stored.
                "q" if stack.len() < 256 => stack.push(gs.clone()),
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => {
                    if let Some(m) = nums::<6>(ops) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                "BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tf" => {
                    if let (Some(Object::Name(n)), Some(size)) =
                        (ops.first(), ops.get(1).and_then(num))
                    {
                        gs.text.font = self.font(resources, n);
                        gs.text.size = size;
                    }
                }
                "Tc" => {
                    if let Some([v]) = nums::<1>(ops) {
                        gs.text.char_spacing = v;
                    }
                }
                "Tw" => {
                    if let Some([v]) = nums::<1>(ops) {
                        gs.text.word_spacing = v;
                    }
                }
                "Tz" => {
                    if let Some([v]) = nums::<1>(ops) {
                        gs.text.h_scale = v / 100.0;
                    }
                }
                "TL" => {
                    if let Some([v]) = nums::<1>(ops) {
                        gs.text.leading = v;
                    }
                }
                "Ts" => {
                    if let Some([v]) = nums::<1>(ops) {
                        gs.text.rise = v;
                    }
                }
                "Td" | "TD" => {
                    if let Some([tx, ty]) = nums::<2>(ops) {
                        if op.operator == "TD" {
                            gs.text.leading = -ty;
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &tlm);
                        tm = tlm;
                    }
                }
                "Tm" => {
                    if let Some(m) = nums::<6>(ops) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.text.leading], &tlm);
                    tm = tlm;
                }
                "Tj" | "'" | "\"" => {
                    if op.operator != "Tj" {
                        if op.operator == "\"" {
                            if let Some([aw, ac]) = ops.get(..2).and_then(nums::<2>) {
                                gs.text.word_spacing = aw;
                                gs.text.char_spacing = ac;
                            }
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.text.leading], &tlm);
                        tm = tlm;
                    }
                    if let Some(Object::String(s, _)) = ops.last() {
                        self.show(s, &gs, &mut tm);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = ops.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s, &gs, &mut tm),
                                other => {
                                    if let Some(n) = num(other) {
                                        let tx = -n / 1000.0 * gs.text.size * gs.text.h_scale;
                                        tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "BI" => self.has_images = true,
                "Do" => {
                    if let Some(Object::Name(n)) = ops.first() {
                        self.do_xobject(resources, n, &gs, depth);
                    }
                }
                _ => {}
            }
        }
    }

    fn do_xobject<'r>(
        &mut self,
        resources: &[&'r Dictionary],
        name: &[u8],
        gs: &GState,
        depth: usize,
    ) where
        'a: 'r,
    {
        let doc = self.doc;
        let Some(obj) = lookup(doc, resources, b"XObject", name) else {
            return;
        };
        let Ok((_, Object::Stream(stream))) = doc.dereference(obj) else {
            return;
        };
        let subtype = stream
            .dict
            .get(b"Subtype")
            .ok()
            .and_then(|o| o.as_name().ok());
        match subtype {
            Some(b"Image") => self.has_images = true,
            Some(b"Form") if depth < MAX_FORM_DEPTH => {
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .ok()
                    .and_then(|o| o.as_array().ok())
                    .and_then(|a| nums::<6>(a))
                    .unwrap_or(IDENTITY);
                let own = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok());
                let mut res: Vec<&Dictionary> = Vec::with_capacity(resources.len() + 1);
                res.extend(own);
                res.extend(resources.iter().copied());
                let content = stream
                    .decompressed_content()
                    .unwrap_or_else(|_| stream.content.clone());
                let mut inner = gs.clone();
                inner.ctm = mul(&matrix, &gs.ctm);
                self.run(&content, &res, inner, depth + 1);
            }
            _ => {}
        }
    }

    fn show(&mut self, bytes: &[u8], gs: &GState, tm: &mut Matrix) {
        let Some(font) = gs.text.font.clone() else {
            return;
        };
        let t = &gs.text;
        let m = mul(tm, &gs.ctm);
        let size = (t.size * (m[2] * m[2] + m[3] * m[3]).sqrt() * font.em_scale).abs();
        let mut x_off = 0.0f32;
        let mut pending: Vec<(Glyph, f32)> = Vec::new();
        let buf = &mut self.buf;
        font.decode(bytes, buf, |g| {
            pending.push((g, x_off));
            let spacing = t.char_spacing + if g.word_space { t.word_spacing } else { 0.0 };
            x_off += (g.advance * t.size + spacing) * t.h_scale;
        });
        for (g, x) in pending {
            self.glyphs += 1;
            if g.unmapped {
                self.unmapped += 1;
                continue;
            }
            if g.text_end == g.text_start {
                continue;
            }
            let (ux0, uy0) = apply(&m, x, t.rise);
            if let Some([bx0, by0, bx1, by1]) = self.visible {
                let margin = 1.0 + size * 0.5;
                if ux0 < bx0 - margin
                    || ux0 > bx1 + margin
                    || uy0 < by0 - margin
                    || uy0 > by1 + margin
                {
                    continue;
                }
            }
            let (ux1, uy1) = apply(&m, x + g.advance * t.size * t.h_scale, t.rise);
            let (dx0, dy0) = self.to_display(ux0, uy0);
            let (dx1, _) = self.to_display(ux1, uy1);
            let text = &self.buf[g.text_start..g.text_end];
            self.placed.push(Placed {
                x0: dx0.min(dx1),
                x1: dx0.max(dx1),
                y: dy0,
                size: if size.is_finite() && size > 0.0 {
                    size
                } else {
                    1.0
                },
                start: g.text_start as u32,
                end: g.text_end as u32,
                space: text.chars().all(char::is_whitespace),
            });
        }
        *tm = mul(&[1.0, 0.0, 0.0, 1.0, x_off, 0.0], tm);
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Chinese, Japanese and Korean characters and full-width punctuation: no spaces between them.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x312F
        | 0x3200..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Rebuilds lines from placed glyphs: same baseline → one line sorted by x; lines top to
/// bottom; blank line at a paragraph-sized vertical gap.
fn build_lines(buf: &str, placed: &mut [Placed]) -> String {
    placed.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x0.total_cmp(&b.x0)));
    // Cluster into lines.
    let mut lines: Vec<(usize, usize, f32, f32)> = Vec::new(); // (start, end, y, size)
    let mut i = 0;
    while i < placed.len() {
        let first = placed[i];
        let mut size = first.size;
        let mut j = i + 1;
        while j < placed.len() {
            let g = &placed[j];
            let tol = 0.4 * size.max(g.size).min(2.0 * size.min(g.size));
            if first.y - g.y > tol {
                break;
            }
            if !g.space {
                size = size.max(g.size);
            }
            j += 1;
        }
        placed[i..j].sort_by(|a, b| a.x0.total_cmp(&b.x0));
        lines.push((i, j, first.y, size));
        i = j;
    }
    // Typical line pitch, for paragraph breaks.
    let mut pitches: Vec<f32> = lines.windows(2).map(|w| w[0].2 - w[1].2).collect();
    pitches.sort_by(f32::total_cmp);
    let median_pitch = pitches.get(pitches.len().saturating_sub(1) / 2).copied();

    let mut out = String::with_capacity(buf.len() + lines.len() * 2);
    let mut prev_y: Option<(f32, f32)> = None;
    for &(start, end, y, size) in &lines {
        if let Some((py, psize)) = prev_y {
            let gap = py - y;
            let pitch = median_pitch.unwrap_or(gap).max(0.8 * psize.min(size));
            if gap > 1.6 * pitch && gap > 1.8 * psize.max(size) {
                out.push('\n');
            }
        }
        let line_start = out.len();
        let mut prev: Option<Placed> = None;
        let mut right = f32::MIN;
        let mut pending_space = false;
        for g in &placed[start..end] {
            let text = &buf[g.start as usize..g.end as usize];
            if g.space {
                pending_space = prev.is_some();
                continue;
            }
            if let Some(p) = prev {
                // The same glyph drawn twice at (almost) the same place: fake bold or shadow.
                if buf[p.start as usize..p.end as usize] == *text
                    && (g.x0 - p.x0).abs() < 0.2 * g.size
                    && (g.y - p.y).abs() < 0.2 * g.size
                {
                    continue;
                }
                let gap = g.x0 - right;
                let em = g.size.max(p.size);
                let last = out[line_start..].chars().next_back();
                let next = text.chars().next();
                let cjk_side = last.is_some_and(is_cjk) || next.is_some_and(is_cjk);
                let threshold = if cjk_side {
                    if last.is_some_and(is_cjk) && next.is_some_and(is_cjk) {
                        1.5 * em
                    } else {
                        0.6 * em
                    }
                } else {
                    0.15 * em
                };
                let explicit = pending_space && !(last.is_some_and(is_cjk) && gap < 0.2 * em);
                if (gap > threshold || explicit) && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            pending_space = false;
            out.push_str(text);
            right = right.max(g.x1);
            prev = Some(*g);
        }
        let trimmed = out[line_start..].trim_end().len();
        out.truncate(line_start + trimmed);
        out.push('\n');
        prev_y = Some((y, size));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(items: &[(&str, f32, f32, f32)], buf: &mut String) -> Vec<Placed> {
        items
            .iter()
            .map(|&(t, x, y, w)| {
                let start = buf.len() as u32;
                buf.push_str(t);
                Placed {
                    x0: x,
                    x1: x + w,
                    y,
                    size: 10.0,
                    start,
                    end: buf.len() as u32,
                    space: t.trim().is_empty(),
                }
            })
            .collect()
    }

    #[test]
    fn joins_text_objects_on_one_baseline() {
        let mut buf = String::new();
        // Drawn out of order: the ID number first, then the line start, then the next line.
        let mut g = glyphs(
            &[
                ("56", 30.0, 700.0, 10.0),
                ("男", 10.0, 700.2, 10.0),
                ("，", 20.0, 700.0, 10.0),
                ("岁", 40.0, 699.9, 10.0),
                ("Li", 10.0, 686.0, 8.0),
                ("Ming", 21.0, 686.0, 20.0),
                ("下", 10.0, 650.0, 10.0),
            ],
            &mut buf,
        );
        assert_eq!(build_lines(&buf, &mut g), "男，56岁\nLi Ming\n\n下\n");
    }
}
