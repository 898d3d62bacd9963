//! Everything the stages need, built once from the configuration and shared by every thread:
//! the segmenter, the field extractor, the ledger header synonyms and the classifier.
//!
//! [`Engine::process`] is the per-record part of the pipeline (id → extract → segment →
//! classify); `ingest`, `classify` and `similar` all go through it, so a letter is treated the
//! same whether it is being indexed or only looked at.

use crate::classify::{Classifier, FlagRules, LinearModel, Taxonomy};
use crate::config::{Config, ConfigError};
use crate::extract::{Extractor, Gazetteer};
use crate::ingest::sheet::HeaderSynonyms;
use crate::record::{Record, Source};
use crate::segment::{SearchTokens, Segmenter};
use crate::store::indexed_text;
use std::path::Path;

/// File name of the learned classifier inside an index folder.
pub const MODEL_FILE: &str = "model.json";

pub struct Engine {
    pub segmenter: Segmenter,
    pub extractor: Extractor,
    pub synonyms: HeaderSynonyms,
    pub classifier: Classifier,
    /// Run Tesseract on scanned pages when it is installed.
    pub ocr: bool,
}

impl Engine {
    /// Build the engine from the configuration files, with the learned model of `index_dir` when
    /// one has been trained there.
    pub fn new(config: &Config, index_dir: Option<&Path>) -> Result<Engine, ConfigError> {
        let invalid = |file: &str| {
            let file = file.to_string();
            move |message: String| ConfigError::Invalid {
                file: file.clone(),
                message,
            }
        };
        let gazetteer =
            Gazetteer::from_toml(&config.gazetteer).map_err(invalid("gazetteer.toml"))?;
        let taxonomy = Taxonomy::from_toml(&config.taxonomy).map_err(invalid("taxonomy.toml"))?;
        let synonyms =
            HeaderSynonyms::from_toml(&config.headers).map_err(invalid("headers.toml"))?;
        let extra_words: Vec<String> = gazetteer
            .place_names()
            .map(str::to_string)
            .chain(taxonomy.extra_dictionary_words().map(str::to_string))
            .collect();
        let segmenter = Segmenter::new(&config.dictionary, extra_words.iter().map(String::as_str));
        let flag_rules = FlagRules::from_toml(&config.flags).map_err(invalid("flags.toml"))?;
        let model = match index_dir.map(|d| d.join(MODEL_FILE)) {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                Some(
                    serde_json::from_str::<LinearModel>(&text)
                        .map_err(|e| invalid(MODEL_FILE)(e.to_string()))?,
                )
            }
            _ => None,
        };
        Ok(Engine {
            segmenter,
            extractor: Extractor::new(gazetteer),
            synonyms,
            classifier: Classifier::new(taxonomy, model).with_flag_rules(flag_rules),
            ocr: true,
        })
    }

    /// Finish a record read from a file: stable id, extracted fields, categories and flags.
    /// Returns the search-mode tokens of its indexed text, for the index.
    pub fn process(&self, record: &mut Record, id_key: &str) -> SearchTokens {
        self.process_with(record, id_key, |_| {})
    }

    /// [`Engine::process`], calling `lap` as each stage ends (for timing).
    pub fn process_with(
        &self,
        record: &mut Record,
        id_key: &str,
        mut lap: impl FnMut(Stage),
    ) -> SearchTokens {
        record.id = record_id(id_key, &record.source);
        self.extractor.extract(record);
        lap(Stage::Extract);
        let text = indexed_text(record);
        let segmented = self.segmenter.segment(&text);
        lap(Stage::Segment);
        self.classifier.apply(record, &segmented.words);
        lap(Stage::Classify);
        segmented.search
    }
}

/// The per-record stages of [`Engine::process_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Extract,
    Segment,
    Classify,
}

/// A record's stable id: a hash of its file's canonical path and its place in the file.
pub fn record_id(canonical_path: &str, source: &Source) -> String {
    let mut h = blake3::Hasher::new();
    h.update(canonical_path.as_bytes());
    h.update(b"\0");
    h.update(source.sheet.as_deref().unwrap_or("").as_bytes());
    h.update(b"\0");
    h.update(source.row.unwrap_or(0).to_string().as_bytes());
    h.finalize().to_hex()[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offices_flags_toml_adds_its_own_wording() {
        let text = "再不解决，我就去扒铁轨，让火车停下来。";
        let risk = |engine: &Engine| {
            let mut r = Record {
                text: text.into(),
                ..Record::default()
            };
            engine.process(&mut r, "k");
            r.flags.contains(&"risk".to_string())
        };
        assert!(!risk(
            &Engine::new(&Config::load(None).unwrap(), None).unwrap()
        ));

        let dir = tempfile::tempdir().unwrap();
        let own =
            crate::classify::flags::DEFAULT_FLAGS.replace("\"砍人\",", "\"砍人\", \"扒铁轨\",");
        assert_ne!(own, crate::classify::flags::DEFAULT_FLAGS);
        std::fs::write(dir.path().join("flags.toml"), own).unwrap();
        let config = Config::load(Some(dir.path())).unwrap();
        assert!(risk(&Engine::new(&config, None).unwrap()));

        // A misspelt section would switch a flag off silently: refused, naming the file.
        let bad = crate::classify::flags::DEFAULT_FLAGS.replace("[risk_hard]", "[risk_hrad]");
        std::fs::write(dir.path().join("flags.toml"), bad).unwrap();
        let err = Engine::new(&Config::load(Some(dir.path())).unwrap(), None)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            err.contains("flags.toml") && err.contains("risk_hard"),
            "{err}"
        );
    }

    #[test]
    fn record_ids_depend_on_path_and_row_only() {
        let s = |row| Source {
            path: "corpus/a.xlsx".into(),
            sheet: Some("2023".into()),
            row,
            ..Source::default()
        };
        assert_eq!(
            record_id("/x/a.xlsx", &s(Some(3))),
            record_id("/x/a.xlsx", &s(Some(3)))
        );
        assert_ne!(
            record_id("/x/a.xlsx", &s(Some(3))),
            record_id("/x/a.xlsx", &s(Some(4)))
        );
        assert_ne!(
            record_id("/x/a.xlsx", &s(Some(3))),
            record_id("/y/a.xlsx", &s(Some(3)))
        );
        assert_eq!(record_id("/x/a.xlsx", &s(Some(3))).len(), 16);
    }
}
