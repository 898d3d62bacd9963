//! The data files a petition office edits: gazetteer, ledger header synonyms, taxonomy,
//! dictionary words and the cue words of the flags.
//!
//! Defaults are compiled into the binary from `data/`, so xinfang works out of the box. An office
//! changes them by putting its own copy of a file into a configuration folder (`--config DIR`, or
//! the `XINFANG_CONFIG` environment variable): each file found there replaces the default of the
//! same name; the others stay. `xinfang config init DIR` writes the defaults there to start from.
//! The formats are documented in `data/README.md`.

use std::path::{Path, PathBuf};

/// File names inside a configuration folder, with their built-in defaults.
pub const FILES: [(&str, &str); 5] = [
    ("gazetteer.toml", include_str!("../data/gazetteer.toml")),
    ("headers.toml", include_str!("../data/headers.toml")),
    ("taxonomy.toml", include_str!("../data/taxonomy.toml")),
    ("dict.txt", crate::segment::DEFAULT_DICTIONARY),
    ("flags.toml", crate::classify::flags::DEFAULT_FLAGS),
];

/// The text of every configuration file, and where each came from.
#[derive(Clone, Debug)]
pub struct Config {
    pub gazetteer: String,
    pub headers: String,
    pub taxonomy: String,
    pub dictionary: String,
    pub flags: String,
    /// For each file: the path it was read from, or `None` for the built-in default.
    pub origins: Vec<(&'static str, Option<PathBuf>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration file {file}: {message}")]
    Invalid { file: String, message: String },
}

impl Config {
    /// The built-in defaults, with files from `dir` replacing them where present.
    pub fn load(dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut texts = Vec::new();
        let mut origins = Vec::new();
        for (name, default) in FILES {
            let candidate = dir.map(|d| d.join(name)).filter(|p| p.exists());
            let text = match &candidate {
                Some(path) => {
                    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                        path: path.display().to_string(),
                        source,
                    })?
                }
                None => default.to_string(),
            };
            texts.push(text);
            origins.push((name, candidate));
        }
        let mut it = texts.into_iter();
        let mut next = || it.next().expect("one text per file");
        Ok(Config {
            gazetteer: next(),
            headers: next(),
            taxonomy: next(),
            dictionary: next(),
            flags: next(),
            origins,
        })
    }

    /// Write the built-in defaults into `dir` (existing files are left alone). Returns the files
    /// written.
    pub fn write_defaults(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        for (name, text) in FILES {
            let path = dir.join(name);
            if !path.exists() {
                std::fs::write(&path, text)?;
                written.push(path);
            }
        }
        Ok(written)
    }
}
