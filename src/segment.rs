//! Chinese word segmentation (分词) with jieba, shared by every stage and by the index.
//!
//! A record is segmented exactly once ([`Segmenter::segment`]); the classifier reads the
//! precise-mode words and the index receives the search-mode tokens as a pre-tokenized field, so
//! the jieba work is never repeated inside tantivy. Queries go through the same [`Segmenter`],
//! which is why the domain dictionary (petition terms, place names from the gazetteer, taxonomy
//! terms) is loaded here and nowhere else.
//!
//! Two tantivy tokenizers live here:
//! - [`JiebaTokenizer`] (registered as `jieba`) gives word tokens for ranking;
//! - [`GramTokenizer`] (registered as `grams`) gives overlapping Han character bigrams plus
//!   whole ASCII words, with consecutive positions. It is what makes a search for a word find it
//!   inside any longer run of characters, whatever jieba made of that run, and it serves exact
//!   phrase queries. jieba alone cannot promise either: `补偿款` may be cut as one word in one
//!   letter and as `补偿/款` in another.

use jieba_rs::Jieba;
use std::sync::Arc;
use tantivy::tokenizer::{PreTokenizedString, Token, TokenStream, Tokenizer};

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
    /// Search-mode tokens for the index, as tantivy tokens with word-ordinal positions.
    pub search: Vec<Token>,
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
            .filter(|w| !w.trim().is_empty())
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
        let mut search = Vec::with_capacity(cut.len() + cut.len() / 4);
        for token in cut {
            let word = token.word;
            if word.trim().is_empty() {
                continue;
            }
            let position = words.len();
            words.push(word);
            let Some(normalized) = normalize_token(word) else {
                continue;
            };
            let char_count = token.end - token.start;
            if char_count > 2 {
                let starts: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
                for n in 2..char_count {
                    for i in 0..=(char_count - n) {
                        let from = starts[i];
                        let to = starts.get(i + n).copied().unwrap_or(word.len());
                        let sub = &word[from..to];
                        if self.jieba.has_word(sub) {
                            search.push(Token {
                                offset_from: token.byte_start + from,
                                offset_to: token.byte_start + to,
                                position,
                                text: sub.to_string(),
                                position_length: 1,
                            });
                        }
                    }
                }
            }
            search.push(Token {
                offset_from: token.byte_start,
                offset_to: token.byte_end,
                position,
                text: normalized,
                position_length: 1,
            });
        }
        Segmented { words, search }
    }

    /// Is `word` in the dictionary (jieba's own plus the domain words)?
    pub fn is_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// The index-side tokens of a query, as terms (search mode, lower-cased, no punctuation).
    pub fn query_terms(&self, query: &str) -> Vec<String> {
        let mut terms: Vec<String> = self
            .segment(query)
            .search
            .into_iter()
            .map(|t| t.text)
            .collect();
        terms.dedup();
        terms
    }

    /// A tantivy tokenizer over this segmenter (for fields tantivy tokenizes itself).
    pub fn tokenizer(&self) -> JiebaTokenizer {
        JiebaTokenizer {
            segmenter: self.clone(),
        }
    }

    /// Wrap a text and its search tokens for a pre-tokenized tantivy field.
    pub fn pre_tokenized(text: String, tokens: Vec<Token>) -> PreTokenizedString {
        PreTokenizedString { text, tokens }
    }
}

/// Lower-cases ASCII and drops tokens that are only punctuation or symbols.
fn normalize_token(word: &str) -> Option<String> {
    if !word.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(word.to_lowercase())
}

/// jieba search-mode tokens as a tantivy tokenizer (registered as `jieba`).
#[derive(Clone)]
pub struct JiebaTokenizer {
    segmenter: Segmenter,
}

/// A token stream over a pre-computed token list.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: self.segmenter.segment(text).search,
            index: 0,
        }
    }
}

/// Han character bigrams and whole ASCII words, positions consecutive (registered as `grams`).
///
/// `清溪县城关镇` → `清溪 溪县 县城 城关 关镇` at positions 0‥4, so the phrase query for any
/// substring of two or more Han characters matches exactly where that substring occurs. A lone Han
/// character between non-Han characters is emitted as a unigram. ASCII letters and digits form
/// one lower-cased token per run (`G207`, `13935512345`).
#[derive(Clone, Default)]
pub struct GramTokenizer;

/// Is `c` indexed as a Han character (bigrams) rather than as part of an alphanumeric word?
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

/// The gram tokens of `text` (what [`GramTokenizer`] emits), used for queries too.
pub fn grams(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut position = 0usize;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if is_han(c) {
            let mut j = i;
            while j < chars.len() && is_han(chars[j].1) {
                j += 1;
            }
            if j - i == 1 {
                out.push(Token {
                    offset_from: start,
                    offset_to: start + c.len_utf8(),
                    position,
                    text: c.to_string(),
                    position_length: 1,
                });
                position += 1;
            } else {
                for k in i..j - 1 {
                    let from = chars[k].0;
                    let to = chars[k + 1].0 + chars[k + 1].1.len_utf8();
                    out.push(Token {
                        offset_from: from,
                        offset_to: to,
                        position,
                        text: text[from..to].to_string(),
                        position_length: 1,
                    });
                    position += 1;
                }
            }
            i = j;
        } else if c.is_alphanumeric() {
            let mut j = i;
            while j < chars.len() && chars[j].1.is_alphanumeric() && !is_han(chars[j].1) {
                j += 1;
            }
            let end = chars.get(j).map(|x| x.0).unwrap_or(text.len());
            out.push(Token {
                offset_from: start,
                offset_to: end,
                position,
                text: text[start..end].to_lowercase(),
                position_length: 1,
            });
            position += 1;
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: grams(text),
            index: 0,
        }
    }
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
        let positions: Vec<usize> = toks.iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 2, 3, 4, 5]);
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
        let texts: Vec<&str> = out.search.iter().map(|t| t.text.as_str()).collect();
        assert!(texts.contains(&"征地"), "{texts:?}");
        assert!(texts.contains(&"补偿"), "{texts:?}");
        let whole = out.search.iter().find(|t| t.text == "征地补偿款").unwrap();
        let sub = out.search.iter().find(|t| t.text == "补偿").unwrap();
        assert_eq!(whole.position, sub.position);
        assert_eq!(
            &"要求发放征地补偿款"[sub.offset_from..sub.offset_to],
            "补偿"
        );
    }

    #[test]
    fn dictionary_words_from_gazetteer_are_kept_whole() {
        let s = seg();
        assert!(s.words("家住城关镇东关村").contains(&"东关村"));
    }

    #[test]
    fn punctuation_is_not_indexed() {
        let s = seg();
        let out = s.segment("补偿，款。");
        assert!(out.search.iter().all(|t| t.text != "，" && t.text != "。"));
    }
}
