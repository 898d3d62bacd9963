//! Keyword search over the index: query text → tantivy query → ranked hits with snippets.
//!
//! A query is a list of whitespace-separated terms, each required; `"…"` quotes a phrase with its
//! spaces. A two-character term or a quoted phrase must occur exactly as written, anywhere (the
//! `grams` field: `补偿` is found inside `征地补偿款`); a longer dictionary word must occur as a
//! word or inside a longer word (the `body` field's search-mode tokens), which costs one term
//! look-up instead of a phrase over bigram positions; other strings match as exact phrases. The
//! term's jieba words on the `body` field add to the score, so a letter where the term is a word
//! of its own ranks above one where it is only a fragment. Filters (category, flag, township, date range, …) narrow the
//! set without changing the ranking.
//!
//! The result carries full records; masking personal data is the printer's job (see
//! [`crate::privacy`]).

use crate::record::Record;
use crate::segment::{grams, Segmenter};
use crate::store::{date_value, Store, StoreError};
use std::ops::Bound;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur,
    PhraseQuery, Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TantivyDocument, Term};

/// Filters that narrow a search.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub categories: Vec<String>,
    pub flags: Vec<String>,
    pub township: Option<String>,
    pub village: Option<String>,
    pub level: Option<String>,
    pub format: Option<String>,
    pub petitioner_id: Option<String>,
    /// Inclusive ISO dates.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A search request.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    pub query: String,
    pub filters: Filters,
    pub limit: usize,
    pub offset: usize,
}

/// One ranked hit.
#[derive(Clone, Debug)]
pub struct Hit {
    pub score: f32,
    pub record: Record,
    pub snippet: Snippet,
}

/// A passage of a record's text around the query terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    pub text: String,
    /// Highlighted ranges, as byte offsets into `text`, sorted and not overlapping.
    pub highlights: Vec<(usize, usize)>,
}

/// The result of a search.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// Number of matching records (all of them, not just this page).
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// Errors a search can meet.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("invalid date {0:?}: use YYYY-MM-DD")]
    BadDate(String),
}

/// Split a query into terms: whitespace separates, `"…"` keeps a phrase together.
pub fn query_terms(query: &str) -> Vec<String> {
    parse_query(query).into_iter().map(|(t, _)| t).collect()
}

/// Terms with whether each was quoted.
fn parse_query(query: &str) -> Vec<(String, bool)> {
    let mut terms = Vec::new();
    let mut rest = query.trim();
    while !rest.is_empty() {
        if let Some(stripped) = rest.strip_prefix(['"', '“']) {
            let end = stripped.find(['"', '”']).unwrap_or(stripped.len());
            terms.push((stripped[..end].trim().to_string(), true));
            rest = stripped[end..].trim_start_matches(['"', '”']).trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            terms.push((rest[..end].to_string(), false));
            rest = rest[end..].trim_start();
        }
    }
    terms.retain(|(t, _)| !t.is_empty());
    terms
}

/// Build the tantivy query for a request.
pub fn build_query(
    store: &Store,
    segmenter: &Segmenter,
    request: &SearchRequest,
) -> Result<Box<dyn Query>, SearchError> {
    let f = &store.fields;
    let terms = parse_query(&request.query);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = filter_clauses(store, &request.filters)?
        .into_iter()
        .map(|q| (Occur::Must, q))
        .collect();
    let alone = terms.len() == 1 && clauses.is_empty();
    for (term, quoted) in terms {
        let gram_terms = gram_terms(f.grams, &term);
        // How a term must occur. Two characters (one bigram): that bigram, exact and cheap. A
        // longer unquoted dictionary word: that word among the jieba tokens, which include every
        // dictionary sub-word of longer words (a term query; a phrase over a million letters'
        // bigram positions would cost tens of milliseconds). Anything else, and every quoted
        // phrase: the exact character sequence, as a phrase of bigrams.
        let lower = term.to_lowercase();
        let word_query = gram_terms.len() > 1 && !quoted && segmenter.is_word(&term);
        let exact: Box<dyn Query> = match gram_terms.len() {
            0 => continue,
            1 => Box::new(TermQuery::new(
                gram_terms.into_iter().next().expect("one term").1,
                IndexRecordOption::WithFreqs,
            )),
            _ if word_query => Box::new(TermQuery::new(
                Term::from_field_text(f.body, &lower),
                IndexRecordOption::WithFreqs,
            )),
            // Matched, not scored (whether the phrase occurs, not how often): the word clauses
            // below rank the hits. Beside other required clauses, the phrase is checked last,
            // at the top of the query (a nested query would finish its own intersection
            // first), and its rarest gram, without positions, stands in its place here.
            _ => {
                // Each gram's document frequency, looked up once (a look-up visits every
                // segment's term dictionary).
                let searcher = store.searcher()?;
                let freqs: Vec<u64> = gram_terms
                    .iter()
                    .map(|(_, t)| searcher.doc_freq(t).unwrap_or(0))
                    .collect();
                let kept = phrase_cover(&gram_terms, &freqs);
                let phrase = unscored(Box::new(PhraseQuery::new_with_offset(
                    kept.iter().map(|&i| gram_terms[i].clone()).collect(),
                )));
                if alone {
                    phrase
                } else {
                    let rarest = *kept
                        .iter()
                        .min_by_key(|&&i| freqs[i])
                        .expect("a phrase has two grams or more");
                    clauses.push((Occur::Must, Box::new(CheckedLast(phrase))));
                    let lead = gram_terms[rarest].1.clone();
                    unscored(Box::new(TermQuery::new(lead, IndexRecordOption::Basic)))
                }
            }
        };
        let mut term_clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, exact)];
        // Ranking: hits where the term's words are whole jieba words rank higher. Only the
        // precise-mode words, and not the word the exact clause already scores: each optional
        // clause is a union walked over every letter that has it, and the search-mode sub-words
        // (`补偿` of `征地补偿款`) are in most letters: at 1M letters the median query took
        // 3.1 ms with them, 1.8 ms without.
        for word in segmenter.query_terms(&term) {
            if word_query && word == lower {
                continue;
            }
            let q = TermQuery::new(
                Term::from_field_text(f.body, &word),
                IndexRecordOption::WithFreqs,
            );
            term_clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 2.0))));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(term_clauses))));
    }
    if clauses.is_empty() {
        return Ok(Box::new(AllQuery));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// The filters as required, unscored clauses.
fn filter_clauses(store: &Store, filters: &Filters) -> Result<Vec<Box<dyn Query>>, SearchError> {
    let f = &store.fields;
    let mut clauses = Vec::new();
    let mut filter = |field, value: &str| {
        clauses.push(unscored(Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))));
    };
    for c in &filters.categories {
        filter(f.category, c);
    }
    for flag in &filters.flags {
        filter(f.flag, flag);
    }
    for (field, value) in [
        (f.township, &filters.township),
        (f.village, &filters.village),
        (f.level, &filters.level),
        (f.format, &filters.format),
        (f.petitioner_id, &filters.petitioner_id),
    ] {
        if let Some(v) = value {
            filter(field, v);
        }
    }
    if filters.from.is_some() || filters.to.is_some() {
        let bound = |d: &Option<String>| -> Result<Bound<Term>, SearchError> {
            match d {
                None => Ok(Bound::Unbounded),
                Some(s) => date_value(s)
                    .map(|v| Bound::Included(Term::from_field_date(f.date, v)))
                    .ok_or_else(|| SearchError::BadDate(s.clone())),
            }
        };
        let range = RangeQuery::new(bound(&filters.from)?, bound(&filters.to)?);
        clauses.push(unscored(Box::new(range)));
    }
    Ok(clauses)
}

/// A query that matches without adding to the score.
fn unscored(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

/// A query that tantivy's intersection checks after every other required clause.
///
/// Why: the intersection orders its clauses by estimated cost, and a phrase estimates its own
/// from its bigrams as if they occurred independently — for the bigrams of one word (`征地`,
/// `偿款`) that is wrong by orders of magnitude, so the phrase led the intersection and read the
/// positions of every letter holding its bigrams, whatever the filters. Reading positions is the
/// dearest check there is, so it goes last, and the phrase's rarest bigram leads in its place
/// (see [`build_query`]): the phrase only confirms letters that all the rest accept. At a
/// million letters the benchmark's quoted `征地补偿款` with a category and a date range took
/// 9.7 ms (median of 50), 5.8 ms so.
#[derive(Debug)]
struct CheckedLast(Box<dyn Query>);

impl Clone for CheckedLast {
    fn clone(&self) -> Self {
        CheckedLast(self.0.box_clone())
    }
}

impl Query for CheckedLast {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CheckedLastPart(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor)
    }
}

/// The weight, and the scorer, of a [`CheckedLast`]: the inner one's, with the highest cost.
struct CheckedLastPart<T>(T);

impl Weight for CheckedLastPart<Box<dyn Weight>> {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(CheckedLastPart(self.0.scorer(reader, boost)?)))
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        let (found, scorer) = self.0.scorer_danger(reader, target, boost)?;
        Ok((found, Box::new(CheckedLastPart(scorer))))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

impl DocSet for CheckedLastPart<Box<dyn Scorer>> {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }
    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }
    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.0.seek_danger(target)
    }
    fn doc(&self) -> DocId {
        self.0.doc()
    }
    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
    fn cost(&self) -> u64 {
        // Above any docset's (they count documents); not the maximum, which a sum could overflow.
        u64::MAX >> 8
    }
}

impl Scorer for CheckedLastPart<Box<dyn Scorer>> {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

/// The grams of `text` as terms of `field`, with their positions.
fn gram_terms(field: Field, text: &str) -> Vec<(usize, Term)> {
    grams(text)
        .into_iter()
        .map(|t| (t.position, Term::from_field_text(field, &t.text)))
        .collect()
}

/// The grams of a phrase that a phrase query needs to check: every other bigram inside a run
/// of Han bigrams can be left out, because the index puts runs [`crate::segment::RUN_GAP`]
/// positions apart, so bigrams two positions apart are of one run and fix the character between
/// them (`征地@0 补偿@2` can only be `征地补偿`). Which ones are left out is chosen to skip the
/// commonest (by document frequency, `weights[i]` for `grams[i]`): the check reads every
/// position of every kept gram in every candidate letter, and `补偿` occurs in most letters,
/// many times. At a million letters the benchmark's quoted `征地补偿款` took 21.4 ms with its
/// four bigrams, 17.3 ms with three. The first and the last gram are always kept. Returns the
/// indices of the kept grams, in order.
fn phrase_cover(grams: &[(usize, Term)], weights: &[u64]) -> Vec<usize> {
    let n = grams.len();
    // A gram may be left out when its neighbours are the bigrams before and after it in one run.
    let skippable = |i: usize| {
        i > 0 && i + 1 < n && grams[i - 1].0 + 1 == grams[i].0 && grams[i].0 + 1 == grams[i + 1].0
    };
    // best[i]: (least weight of a valid choice of grams 0..=i that keeps i, gram kept before i).
    let mut best: Vec<(u64, Option<usize>)> = Vec::with_capacity(n);
    for i in 0..n {
        let w = weights[i];
        let mut entry = (
            w + i.checked_sub(1).map_or(0, |j| best[j].0),
            i.checked_sub(1),
        );
        if i >= 2 && skippable(i - 1) && best[i - 2].0 + w < entry.0 {
            entry = (best[i - 2].0 + w, Some(i - 2));
        }
        best.push(entry);
    }
    let mut kept = Vec::new();
    let mut at = n.checked_sub(1);
    while let Some(i) = at {
        kept.push(i);
        at = best[i].1;
    }
    kept.reverse();
    kept
}

/// Run a search.
pub fn search(
    store: &Store,
    segmenter: &Segmenter,
    request: &SearchRequest,
) -> Result<SearchResult, SearchError> {
    let query = build_query(store, segmenter, request)?;
    let searcher = store.searcher()?;
    let limit = request.limit.max(1);
    let (top, total) = searcher.search(
        &query,
        &(
            TopDocs::with_limit(limit)
                .and_offset(request.offset)
                .order_by_score(),
            Count,
        ),
    )?;
    let terms = query_terms(&request.query);
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let doc: TantivyDocument = searcher.doc(address)?;
        let record = store.record_of(&doc)?;
        let snippet = snippet(&record.text, &terms, 120);
        hits.push(Hit {
            score,
            record,
            snippet,
        });
    }
    Ok(SearchResult { total, hits })
}

/// The passage of `text` (about `width` characters) that holds the most distinct `terms`, with
/// every occurrence of a term highlighted.
///
/// Written by hand rather than with tantivy's `SnippetGenerator` because hits come from two
/// tokenizers (words and character grams): highlighting the exact strings the clerk typed is
/// simpler and clearer than merging overlapping bigram offsets.
pub fn snippet(text: &str, terms: &[String], width: usize) -> Snippet {
    let lower = text.to_lowercase();
    let same_offsets = lower.len() == text.len();
    let mut matches: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, term index)
    for (ti, term) in terms.iter().enumerate() {
        let needle = term.to_lowercase();
        if needle.is_empty() {
            continue;
        }
        let haystack = if same_offsets { &lower } else { text };
        for (start, _) in haystack.match_indices(needle.as_str()) {
            matches.push((start, start + needle.len(), ti));
        }
    }
    matches.sort();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_at = |byte: usize| chars.partition_point(|&(b, _)| b < byte);
    // Choose the window start (in chars) that covers the most distinct terms.
    let mut best = (0usize, 0usize); // (distinct terms, window start char)
    for &(start, _, _) in &matches {
        let first = char_at(start).saturating_sub(width / 4);
        let last_byte = chars
            .get(first + width)
            .map(|&(b, _)| b)
            .unwrap_or(text.len());
        let mut seen: Vec<usize> = matches
            .iter()
            .filter(|&&(s, e, _)| s >= chars.get(first).map_or(0, |c| c.0) && e <= last_byte)
            .map(|&(_, _, t)| t)
            .collect();
        seen.sort();
        seen.dedup();
        if seen.len() > best.0 {
            best = (seen.len(), first);
        }
    }
    let from_char = best.1;
    let to_char = (from_char + width).min(chars.len());
    let from = chars.get(from_char).map_or(text.len(), |c| c.0);
    let to = chars.get(to_char).map_or(text.len(), |c| c.0);
    let window = &text[from..to];
    let mut highlights: Vec<(usize, usize)> = matches
        .iter()
        .filter(|&&(s, e, _)| s >= from && e <= to)
        .map(|&(s, e, _)| (s - from, e - from))
        .collect();
    highlights.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in highlights {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    // Show the passage on one line.
    let flat: String = window
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    Snippet {
        text: flat,
        highlights: merged,
    }
}

impl Snippet {
    /// The snippet with highlights wrapped in `open` … `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for &(s, e) in &self.highlights {
            out.push_str(&self.text[at..s]);
            out.push_str(open);
            out.push_str(&self.text[s..e]);
            out.push_str(close);
            at = e;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_phrases_stay_together() {
        assert_eq!(
            query_terms(r#"征地 "补偿 款"  城关镇"#),
            ["征地", "补偿 款", "城关镇"]
        );
    }

    fn cover_of(phrase: &str, heavy: &str) -> Vec<(usize, String)> {
        let g = gram_terms(Field::from_field_id(0), phrase);
        let weights: Vec<u64> = g
            .iter()
            .map(|(_, t)| {
                if t.value().as_str() == Some(heavy) {
                    100
                } else {
                    1
                }
            })
            .collect();
        phrase_cover(&g, &weights)
            .into_iter()
            .map(|i| (g[i].0, g[i].1.value().as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn a_phrase_query_leaves_out_the_commonest_inner_bigrams() {
        let own = |v: &[(usize, &str)]| -> Vec<(usize, String)> {
            v.iter().map(|&(p, s)| (p, s.to_string())).collect()
        };
        assert_eq!(
            cover_of("征地补偿款", "补偿"),
            own(&[(0, "征地"), (1, "地补"), (3, "偿款")])
        );
        assert_eq!(
            cover_of("征地补偿款", "地补"),
            own(&[(0, "征地"), (2, "补偿"), (3, "偿款")])
        );
        // The first and last are always kept, even when heaviest; never two in a row left out.
        assert_eq!(cover_of("补偿款", "补偿"), own(&[(0, "补偿"), (1, "偿款")]));
        let six = cover_of("拖欠农民工工资", "");
        assert_eq!(six.len(), 4, "{six:?}");
        assert!(six.windows(2).all(|w| w[1].0 - w[0].0 <= 2), "{six:?}");
        // A gram whose neighbour is of another run stays, however common: `地补` starts the
        // second run here, `补偿` ends it.
        assert_eq!(
            cover_of("征地，地补偿", "地补"),
            own(&[(0, "征地"), (3, "地补"), (4, "补偿")])
        );
    }

    /// Index `records` in a scratch store (their grams only: no jieba words) and give back a
    /// search over it: the sorted ids of the hits, and the total.
    fn searchable(
        records: impl IntoIterator<Item = Record>,
    ) -> impl Fn(&str, Filters) -> (Vec<String>, usize) {
        use crate::segment::SearchTokens;
        let (dir, store, mut writer) = crate::store::scratch();
        for record in records {
            writer
                .add_document(store.document(record, &SearchTokens::default(), "k"))
                .unwrap();
        }
        writer.commit().unwrap();
        store.reload();
        let segmenter = Segmenter::new("", Vec::<&str>::new());
        move |query, filters| {
            let _index_folder = &dir;
            let request = SearchRequest {
                query: query.into(),
                filters,
                limit: 20,
                offset: 0,
            };
            let result = search(&store, &segmenter, &request).unwrap();
            let mut ids: Vec<String> = result.hits.into_iter().map(|h| h.record.id).collect();
            ids.sort();
            (ids, result.total)
        }
    }

    #[test]
    fn a_phrase_matches_only_its_exact_characters() {
        // `split`, `apart` and `digits` hold every bigram of `征地补偿款`, at positions a cover
        // of the phrase would accept if runs were not kept apart; `spaced` has a gap inside.
        let texts = [
            ("exact", "要求发放征地补偿款。"),
            ("split", "关于征地，地补偿款的问题。"),
            ("spaced", "征地 补偿款"),
            ("apart", "补偿款和征地，地补贴。"),
            // A Latin or digit token where a left-out bigram would be.
            ("digits", "征地2019补偿款，征地补贴"),
        ];
        let search = searchable(texts.map(|(id, text)| Record {
            id: id.into(),
            text: text.into(),
            ..Default::default()
        }));
        let ids = |query: &str| search(query, Filters::default()).0;
        assert_eq!(ids("\"征地补偿款\""), ["exact"]);
        assert_eq!(ids("\"征地 补偿款\""), ["spaced"]);
        assert_eq!(ids("\"征地，地补偿款\""), ["split"]);
        assert_eq!(ids("\"征地2019补偿款\""), ["digits"]);
    }

    #[test]
    fn a_phrase_checked_last_still_meets_every_filter_and_term() {
        use crate::record::Category;
        // Every combination of: holds the phrase, dated inside the range, of category `land`,
        // holds the second term `村委会`.
        let mut expected = Vec::new();
        let mut records = Vec::new();
        for i in 0..16u32 {
            let (phrase, dated, land, other) = (i & 1 != 0, i & 2 != 0, i & 4 != 0, i & 8 != 0);
            let text = format!(
                "{}{}要求处理。",
                // Without the phrase, every bigram of it still (`征地`, `地补`, `补偿`, `偿款`).
                if phrase {
                    "征地补偿款未发放"
                } else {
                    "征地补贴和地补偿款未发放"
                },
                if other { "，村委会不管" } else { "" }
            );
            let record = Record {
                id: format!("r{i:02}"),
                text,
                date: Some(if dated { "2022-06-01" } else { "2021-06-01" }.into()),
                categories: vec![Category {
                    code: if land { "land" } else { "labor" }.into(),
                    ..Default::default()
                }],
                ..Default::default()
            };
            if phrase && dated && land && other {
                expected.push(record.id.clone());
            }
            records.push(record);
        }
        let search = searchable(records);
        let hits = |query: &str, filters: Filters| -> Vec<String> {
            let (ids, total) = search(query, filters);
            assert_eq!(ids.len(), total);
            ids
        };
        let filters = Filters {
            categories: vec!["land".into()],
            from: Some("2022-01-01".into()),
            to: Some("2022-12-31".into()),
            ..Filters::default()
        };
        // Quoted: the letters here carry no jieba words (no `SearchTokens`), only grams.
        assert_eq!(hits("\"征地补偿款\" \"村委会\"", filters.clone()), expected);
        assert_eq!(hits("\"征地补偿款\" \"村委会不管\"", filters), expected);
        assert_eq!(hits("\"征地补偿款\"", Filters::default()).len(), 8);
    }

    #[test]
    fn snippet_highlights_every_term_in_the_best_window() {
        let text = format!(
            "{}我们村的征地补偿款至今没有发放到位。{}",
            "无关的内容。".repeat(30),
            "其他。".repeat(30)
        );
        let s = snippet(&text, &["补偿".into(), "发放".into()], 40);
        assert_eq!(s.highlights.len(), 2);
        assert_eq!(s.marked("[", "]").matches('[').count(), 2);
        assert!(s.marked("[", "]").contains("征地[补偿]款至今没有[发放]"));
    }
}
