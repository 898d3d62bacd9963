//! Chinese word segmentation (分词) with jieba, shared by every stage and by the index.
//!
//! A record is segmented exactly once ([`Segmenter::segment`]); the classifier reads the
//! precise-mode words and the index receives the search-mode tokens already cut ([`SearchTokens`]),
//! so the jieba work is never repeated inside tantivy. Queries go through the same [`Segmenter`],
//! which is why the domain dictionary (petition terms, place names from the gazetteer, taxonomy
//! terms) is loaded here and nowhere else.
//!
//! Two tantivy tokenizers live here:
//! - [`WordListTokenizer`] (registered as `jieba`) reads the search-mode words the pipeline
//!   already computed, encoded as one string ([`SearchTokens`]); it does no segmentation itself.
//! - [`GramTokenizer`] (registered as `grams`) gives overlapping Han character bigrams plus
//!   whole ASCII words, with consecutive positions. It is what makes a search for a word find it
//!   inside any longer run of characters, whatever jieba made of that run, and it serves exact
//!   phrase queries. jieba alone cannot promise either: `补偿款` may be cut as one word in one
//!   letter and as `补偿/款` in another.
//!
//! Why an encoded string and not tantivy's `PreTokenizedString`: tantivy 0.27 keeps a document's
//! values in a compact byte buffer and round-trips a pre-tokenized value through JSON on the way
//! to its indexing thread (one `String` per token, escaped, parsed back). Measured on the 100k
//! benchmark archive that round trip and its allocations were about a tenth of all CPU, and the
//! JSON of the queued documents a large part of peak memory. A word list joined by separators
//! costs one allocation per record and is read back without copying.

use jieba_rs::Jieba;
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The domain words shipped with xinfang (jieba dictionary format: `word [freq] [tag]`).
pub const DEFAULT_DICTIONARY: &str = include_str!("../data/dict.txt");

/// jieba with the domain dictionary, cheap to clone (the dictionary is shared behind an `Arc`).
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
}

/// One record's segmentation, computed once and shared by every stage.
pub struct Segmented<'a> {
    /// Precise-mode words (jieba `cut`, HMM on), in order, without whitespace tokens.
    pub words: Vec<&'a str>,
    /// Search-mode tokens for the index, with word-ordinal positions.
    pub search: SearchTokens,
}

/// Ends a token that takes the current position and moves to the next one.
const NEXT: char = '\u{1F}';
/// Ends a token that shares the current position with the token after it (a dictionary
/// sub-word, indexed at the position of the word that contains it).
const SAME: char = '\u{1E}';

/// Search-mode tokens of one text, encoded for the `jieba` field: each token is followed by
/// [`NEXT`] or [`SAME`]; a bare [`NEXT`] is a position with no token (punctuation). Tokens never
/// contain either separator (control characters are dropped from indexed words).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchTokens(String);

impl SearchTokens {
    /// The encoded form, the value of the `jieba` field.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tokens with their positions, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, usize)> + '_ {
        EncodedWords::new(&self.0).map(|(word, position, _)| (word, position))
    }

    fn push(&mut self, word: &str, sep: char) {
        if word.contains([NEXT, SAME]) {
            self.0
                .extend(word.chars().filter(|&c| c != NEXT && c != SAME));
        } else {
            self.0.push_str(word);
        }
        self.0.push(sep);
    }
}

impl Segmenter {
    /// jieba's default dictionary plus `extra_words` (one per line, jieba dictionary format).
    pub fn new<'w>(dictionary: &str, extra_words: impl IntoIterator<Item = &'w str>) -> Self {
        let mut jieba = Jieba::new();
        for line in dictionary.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let word = parts.next().unwrap_or_default();
            let freq = parts.next().and_then(|f| f.parse().ok());
            let tag = parts.next();
            jieba.add_word(word, freq, tag);
        }
        for word in extra_words {
            let word = word.trim();
            if word.chars().count() >= 2 && !jieba.has_word(word) {
                jieba.add_word(word, None, None);
            }
        }
        Segmenter {
            jieba: Arc::new(jieba),
        }
    }

    /// Precise-mode words of `text` (no whitespace tokens).
    pub fn words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| !is_blank(w))
            .collect()
    }

    /// Segment `text` once, for the classifier (`words`) and the index (`search`).
    ///
    /// Search mode is derived from the precise cut the way jieba's `cut_for_search` does it,
    /// and goes further: every dictionary sub-word of a longer word (not only those of 2 and 3
    /// characters) is emitted too, at the position of the word that contains it, so that a word
    /// query finds `养老保险` inside `社会养老保险`.
    pub fn segment<'a>(&self, text: &'a str) -> Segmented<'a> {
        let cut = self.jieba.cut(text, true);
        let mut words = Vec::with_capacity(cut.len());
        let mut search = SearchTokens(String::with_capacity(text.len() + text.len() / 2));
        for token in cut {
            let word = token.word;
            if is_blank(word) {
                continue;
            }
            words.push(word);
            if !indexable(word) {
                search.0.push(NEXT);
                continue;
            }
            let char_count = token.end - token.start;
            if char_count > 2 {
                let starts: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
                for n in 2..char_count {
                    for i in 0..=(char_count - n) {
                        let from = starts[i];
                        let to = starts.get(i + n).copied().unwrap_or(word.len());
                        let sub = &word[from..to];
                        if self.jieba.has_word(sub) {
                            search.push(sub, SAME);
                        }
                    }
                }
            }
            if word.chars().any(char::is_uppercase) {
                search.push(&word.to_lowercase(), NEXT);
            } else {
                search.push(word, NEXT);
            }
        }
        Segmented { words, search }
    }

    /// Is `word` in the dictionary (jieba's own plus the domain words)?
    pub fn is_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// The words of a query term as the index has them: precise-mode words, lower-cased,
    /// without punctuation, each once (the search-mode sub-words are left out: they would
    /// match most letters and only slow ranking down).
    pub fn query_terms(&self, query: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        for word in self.words(query) {
            let word = word.to_lowercase();
            if indexable(&word) && !terms.contains(&word) {
                terms.push(word);
            }
        }
        terms
    }
}

/// Is a jieba token whitespace? jieba cuts whitespace into tokens of their own, so the first
/// character tells (cheaper than trimming every token of every record).
pub(crate) fn is_blank(token: &str) -> bool {
    token.chars().next().is_none_or(char::is_whitespace)
}

/// Is `c` a letter or digit (`char::is_alphanumeric`)? Han characters, ASCII and the punctuation
/// of Chinese text (、。《》【】“”…，：！) are decided by range first: the standard library
/// takes a slow table lookup for every character outside ASCII, and this runs on every
/// character of every record.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if is_han(c) {
        return true;
    }
    match c as u32 {
        0x2010..=0x2027
        | 0x3000..=0x3004
        | 0x3008..=0x3020
        | 0xFF01..=0xFF0F
        | 0xFF1A..=0xFF20
        | 0xFF3B..=0xFF40
        | 0xFF5B..=0xFF65 => false,
        _ => c.is_alphanumeric(),
    }
}

/// Whether a word is worth indexing: it has a letter or digit (punctuation and symbols are not).
fn indexable(word: &str) -> bool {
    word.chars().any(is_word_char)
}

/// Reads a [`SearchTokens`] string back as tantivy tokens (registered as `jieba`).
#[derive(Clone, Default)]
pub struct WordListTokenizer;

/// The token stream of [`WordListTokenizer`]: one reused token, no allocation per word.
pub struct WordListStream<'a> {
    words: EncodedWords<'a>,
    token: Token,
}

/// Reads a [`SearchTokens`] encoding: (word, position, byte offset) of each token.
struct EncodedWords<'a> {
    rest: &'a str,
    offset: usize,
    position: usize,
}

impl<'a> EncodedWords<'a> {
    fn new(encoded: &'a str) -> Self {
        EncodedWords {
            rest: encoded,
            offset: 0,
            position: 0,
        }
    }
}

impl<'a> Iterator for EncodedWords<'a> {
    type Item = (&'a str, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let end = self.rest.find([NEXT, SAME])?;
            let word = &self.rest[..end];
            let from = self.offset;
            let position = self.position;
            if self.rest[end..].starts_with(NEXT) {
                self.position += 1;
            }
            self.rest = &self.rest[end + 1..];
            self.offset += end + 1;
            if !word.is_empty() {
                return Some((word, position, from));
            }
        }
    }
}

impl TokenStream for WordListStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((word, position, from)) = self.words.next() else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(word);
        self.token.offset_from = from;
        self.token.offset_to = from + word.len();
        self.token.position = position;
        true
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for WordListTokenizer {
    type TokenStream<'a> = WordListStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordListStream<'a> {
        WordListStream {
            words: EncodedWords::new(text),
            token: Token::default(),
        }
    }
}

/// Character bigrams over runs of Han characters (a lone Han character is a unigram), plus
/// whole runs of other letters and digits, lower-cased; consecutive positions.
#[derive(Clone, Default)]
pub struct GramTokenizer;

/// Is `c` a Han character (CJK Unified Ideographs, extensions, compatibility, 〇)?
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

/// Positions left empty between runs of grams (a Han run's bigrams, a lone Han character, an
/// ASCII word): two, so that grams two positions apart are always of one Han run. A phrase
/// query can then leave out every other bigram of a run and still match only the exact
/// characters (see `search`): `征地@0 补偿@2` can only be `征地补偿`.
pub const RUN_GAP: usize = 2;

/// The token stream of [`GramTokenizer`]: one reused token, no allocation per gram.
pub struct GramStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to look at.
    at: usize,
    /// Inside a run of Han characters: the previous character's offset.
    han_run: Option<usize>,
    position: usize,
    token: Token,
}

impl<'a> GramStream<'a> {
    fn new(text: &'a str) -> Self {
        GramStream {
            text,
            at: 0,
            han_run: None,
            position: 0,
            token: Token::default(),
        }
    }

    /// Emit `text[from..to]`; `continues` when it is the next bigram of the current Han run.
    fn emit(&mut self, from: usize, to: usize, lowercase: bool, continues: bool) -> bool {
        let piece = &self.text[from..to];
        self.token.text.clear();
        if lowercase && piece.chars().any(char::is_uppercase) {
            self.token
                .text
                .extend(piece.chars().flat_map(char::to_lowercase));
        } else {
            self.token.text.push_str(piece);
        }
        self.token.offset_from = from;
        self.token.offset_to = to;
        if !continues && self.position > 0 {
            self.position += RUN_GAP;
        }
        self.token.position = self.position;
        self.position += 1;
        true
    }
}

impl TokenStream for GramStream<'_> {
    fn advance(&mut self) -> bool {
        let text = self.text;
        // Continue a Han run: the next bigram starts at the previous character.
        if let Some(prev) = self.han_run {
            match text[self.at..].chars().next() {
                Some(c) if is_han(c) => {
                    let end = self.at + c.len_utf8();
                    self.han_run = Some(self.at);
                    self.at = end;
                    return self.emit(prev, end, false, true);
                }
                _ => self.han_run = None,
            }
        }
        while let Some(c) = text[self.at..].chars().next() {
            let start = self.at;
            self.at += c.len_utf8();
            if is_han(c) {
                match text[self.at..].chars().next() {
                    Some(d) if is_han(d) => {
                        let end = self.at + d.len_utf8();
                        self.han_run = Some(self.at);
                        self.at = end;
                        return self.emit(start, end, false, false);
                    }
                    // A lone Han character is a unigram.
                    _ => return self.emit(start, self.at, false, false),
                }
            }
            if is_word_char(c) {
                let len = text[self.at..]
                    .find(|d: char| !is_word_char(d) || is_han(d))
                    .unwrap_or(text.len() - self.at);
                self.at += len;
                return self.emit(start, self.at, true, false);
            }
        }
        false
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream<'a> {
        GramStream::new(text)
    }
}

/// The grams of `text` as tokens (queries build their terms from these).
pub fn grams(text: &str) -> Vec<Token> {
    let mut stream = GramStream::new(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg() -> Segmenter {
        Segmenter::new("征地补偿款 100 n\n", ["城关镇", "东关村"])
    }

    #[test]
    fn grams_are_consecutive_bigrams_and_ascii_words() {
        let toks = grams("清溪县G207国道，电话13935512345");
        let texts: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            ["清溪", "溪县", "g207", "国道", "电话", "13935512345"]
        );
        // Two empty positions between runs: 清溪县 | G207 | 国道 | 电话 | 13935512345.
        let positions: Vec<usize> = toks.iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 4, 7, 10, 13]);
    }

    #[test]
    fn lone_han_character_is_a_unigram() {
        let texts: Vec<String> = grams("A房B").into_iter().map(|t| t.text).collect();
        assert_eq!(texts, ["a", "房", "b"]);
    }

    #[test]
    fn search_mode_emits_sub_words_at_the_word_position() {
        let s = seg();
        let out = s.segment("要求发放征地补偿款");
        assert!(out.words.contains(&"征地补偿款"), "{:?}", out.words);
        let tokens: Vec<(&str, usize)> = out.search.iter().collect();
        let at = |w: &str| tokens.iter().find(|t| t.0 == w).map(|t| t.1);
        assert!(at("征地").is_some(), "{tokens:?}");
        assert_eq!(at("补偿"), at("征地补偿款"), "{tokens:?}");
        assert!(at("要求") < at("征地补偿款"), "{tokens:?}");
    }

    /// Tokens as tantivy sees them through a tokenizer: (text, position, offsets).
    fn stream(mut tokenizer: impl Tokenizer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut s = tokenizer.token_stream(text);
        while s.advance() {
            let t = s.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn word_list_tokenizer_gives_back_the_segmenter_tokens() {
        let s = seg();
        let out = s.segment("我叫ABC，家住城关镇东关村，要求发放征地补偿款。");
        let read: Vec<(String, usize)> = stream(WordListTokenizer, out.search.as_str())
            .into_iter()
            .map(|(w, p, from, to)| {
                assert_eq!(&out.search.as_str()[from..to], w);
                (w, p)
            })
            .collect();
        let expected: Vec<(String, usize)> =
            out.search.iter().map(|(w, p)| (w.to_string(), p)).collect();
        assert_eq!(read, expected);
        assert!(read.contains(&("abc".to_string(), 2)), "{read:?}");
        // Punctuation keeps its position: 城关镇 comes after 我/叫/ABC/，/家住.
        assert_eq!(read.iter().find(|t| t.0 == "城关镇").unwrap().1, 5);
    }

    #[test]
    fn separators_inside_the_text_never_split_a_token() {
        let s = seg();
        let out = s.segment("城关\u{1F}镇");
        assert!(out
            .search
            .iter()
            .all(|(w, _)| !w.contains(['\u{1F}', '\u{1E}'])));
        assert!(!out.search.iter().any(|(w, _)| w.is_empty()));
    }

    #[test]
    fn gram_stream_offsets_match_the_text() {
        let text = "反映ＡＢ（清溪县）征地，X1 款";
        for (gram, _, from, to) in stream(GramTokenizer, text) {
            assert_eq!(text[from..to].to_lowercase(), gram);
        }
        let texts: Vec<String> = stream(GramTokenizer, text)
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(texts, ["反映", "ａｂ", "清溪", "溪县", "征地", "x1", "款"]);
    }

    #[test]
    fn dictionary_words_from_gazetteer_are_kept_whole() {
        let s = seg();
        assert!(s.words("家住城关镇东关村").contains(&"东关村"));
    }

    #[test]
    fn word_chars_are_the_alphanumeric_ones() {
        // Han ranges count whole (their few unassigned code points too), as they always did.
        for c in (0..=0x3_0000)
            .filter_map(char::from_u32)
            .filter(|&c| !is_han(c))
        {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn words_never_carry_whitespace_at_their_edges() {
        // `is_blank` looks at a token's first character only: that is sound while jieba gives
        // whitespace tokens of their own, whatever the whitespace (OCR spacing, U+3000, CRLF).
        let text = "信访人：张三\r\n  地址　东关村\t电话 139 3551 2345\u{a0}abc def\n\n此致";
        let seg = seg();
        let words = seg.segment(text).words;
        assert!(
            words.iter().all(|w| !w.is_empty() && w.trim() == *w),
            "{words:?}"
        );
        assert!(
            words.contains(&"东关村") && words.contains(&"abc"),
            "{words:?}"
        );
        assert_eq!(seg.words(text), words);
    }

    #[test]
    fn punctuation_is_not_indexed() {
        let s = seg();
        let out = s.segment("补偿，款。");
        assert!(out.search.iter().all(|(w, _)| w != "，" && w != "。"));
    }
}
