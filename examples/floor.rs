//! The floor of the ingest benchmark: bare tantivy + jieba indexing of the same letters, with no
//! other work (no extraction, classification, linking, bigram field or stored records).
//!
//! `cargo run --release --example floor -- ARCHIVE INDEX_DIR` reads every `.txt` file under
//! ARCHIVE (decoding it as xinfang does), indexes its text into one field tokenized by jieba's
//! search mode with two indexing threads, commits once, and prints one JSON line:
//! `{"docs", "bytes", "seconds", "docs_per_s", "mb_per_s", "peak_rss_bytes"}`.
//! `bench/run.sh` runs it beside `xinfang ingest` on the same archive to report the ratio.

/// The same allocator as the `xinfang` binary, so that the ratio compares like with like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jieba_rs::Jieba;
use std::sync::Arc;
use std::time::Instant;
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, TantivyDocument};

#[derive(Clone)]
struct JiebaSearch(Arc<Jieba>);

struct Tokens(Vec<Token>, usize);

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.1 += 1;
        self.1 <= self.0.len()
    }
    fn token(&self) -> &Token {
        &self.0[self.1 - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.0[self.1 - 1]
    }
}

impl Tokenizer for JiebaSearch {
    type TokenStream<'a> = Tokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let tokens = self
            .0
            .cut_for_search(text, true)
            .into_iter()
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position,
                text: t.word.to_string(),
                position_length: 1,
            })
            .collect();
        Tokens(tokens, 0)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() == 3, "usage: floor ARCHIVE INDEX_DIR");
    let started = Instant::now();
    let mut builder = Schema::builder();
    let body = builder.add_text_field(
        "body",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("jieba")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    std::fs::create_dir_all(&args[2])?;
    let index = Index::create_in_dir(&args[2], builder.build())?;
    index
        .tokenizers()
        .register("jieba", JiebaSearch(Arc::new(Jieba::new())));
    let mut writer = index.writer_with_num_threads(2, 256 << 20)?;
    let (mut docs, mut bytes) = (0u64, 0u64);
    for entry in walkdir::WalkDir::new(&args[1]).sort_by_file_name() {
        let entry = entry?;
        if entry.path().extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let raw = std::fs::read(entry.path())?;
        bytes += raw.len() as u64;
        let Ok(decoded) = xinfang::ingest::text::decode(&raw) else {
            continue;
        };
        let mut doc = TantivyDocument::default();
        doc.add_text(body, decoded.text);
        writer.add_document(doc)?;
        docs += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "docs": docs,
            "bytes": bytes,
            "seconds": seconds,
            "docs_per_s": docs as f64 / seconds,
            "mb_per_s": bytes as f64 / seconds / 1e6,
            "peak_rss_bytes": xinfang::pipeline::peak_rss_bytes(),
        })
    );
    Ok(())
}
