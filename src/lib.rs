//! xinfang: ingest, classify, link and search Chinese petition (信访) archives.
//!
//! The crate is a pipeline of stages over one plain data model, [`record::Record`]:
//!
//! ```text
//! files ─ ingest (text | pdf | sheet) ─ extract ─ segment ─ classify ─ link ─ store ─ search / export
//! ```
//!
//! - [`ingest`] turns bytes into records with provenance, one sub-module per format;
//! - [`extract`] fills petitioner names, ID numbers, phones, place, date, headcount and
//!   addressee level;
//! - [`segment`] is jieba with the domain dictionary, shared by the classifier and the index;
//! - [`classify`] assigns matter categories, flags and the responsible unit;
//! - [`link`] resolves repeat petitioners and duplicate letters across the archive;
//! - [`store`] is the tantivy index folder; [`search`] and [`export`] read it;
//! - [`pipeline`] runs a whole ingest with per-file outcomes; [`engine`] holds what every
//!   stage needs, built once from the user-editable files of [`config`];
//! - [`eval`] measures an index against ground truth; [`gen`] writes large synthetic archives
//!   with ground truth for benchmarks.
//!
//! The library never prints: the `xinfang` binary is a thin layer that prints results.
//!
//! ```
//! use xinfang::config::Config;
//! use xinfang::engine::Engine;
//! use xinfang::record::{Format, Record, Source};
//!
//! let engine = Engine::new(&Config::load(None).unwrap(), None).unwrap();
//! let mut letter = Record {
//!     source: Source { path: "letter.txt".into(), format: Some(Format::Text), ..Source::default() },
//!     text: "尊敬的县信访局领导：我叫张建国，电话13939012345。要求解决征地补偿款问题。".into(),
//!     ..Record::default()
//! };
//! engine.process(&mut letter, "/archive/letter.txt");
//! assert_eq!(letter.petitioners[0].phone.as_deref(), Some("13939012345"));
//! assert_eq!(letter.id.len(), 16);
//! ```

pub mod classify;
pub mod config;
pub mod engine;
pub mod eval;
pub mod export;
pub mod extract;
pub mod gen;
pub mod ingest;
pub mod link;
pub mod pipeline;
pub mod privacy;
pub mod record;
pub mod search;
pub mod segment;
pub mod store;
