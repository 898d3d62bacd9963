//! The few gazetteer fields the archive generator needs (province, city, county, townships with
//! their aliases and villages), read from the TOML text of `data/gazetteer.toml`.
//!
//! Why its own reader: the generator must not depend on the extraction module it is meant to
//! test. Must never: invent places — every township and village in a generated letter comes from
//! the gazetteer given.

use serde::Deserialize;

/// One township (乡/镇/街道) and its villages (村/社区).
#[derive(Clone, Debug, Deserialize)]
pub struct Township {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub villages: Vec<String>,
}

/// The county a generated archive is set in.
#[derive(Clone, Debug, Deserialize)]
pub struct GenGazetteer {
    pub province: String,
    pub city: String,
    pub county: String,
    #[serde(default)]
    pub county_aliases: Vec<String>,
    #[serde(rename = "township", default)]
    pub townships: Vec<Township>,
}

impl GenGazetteer {
    /// Parse the gazetteer TOML; it must name at least one township with at least one village.
    pub fn parse(text: &str) -> Result<GenGazetteer, String> {
        let g: GenGazetteer = toml::from_str(text).map_err(|e| format!("gazetteer: {e}"))?;
        if g.townships.is_empty() {
            return Err("gazetteer: no [[township]]".into());
        }
        if g.townships
            .iter()
            .any(|t| t.villages.is_empty() || t.name.is_empty())
        {
            return Err("gazetteer: every township needs a name and at least one village".into());
        }
        if g.province.is_empty() || g.city.is_empty() || g.county.is_empty() {
            return Err("gazetteer: province, city and county must be given".into());
        }
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format() {
        let g = GenGazetteer::parse(
            "province = \"河南省\"\ncity = \"南川市\"\ncounty = \"清溪县\"\ncounty_aliases = [\"清溪\"]\n\n\
             [[township]]\nname = \"城关镇\"\naliases = [\"城关\"]\nvillages = [\"东关村\", \"西关社区\"]\n",
        )
        .unwrap();
        assert_eq!(g.townships[0].aliases, ["城关"]);
        assert_eq!(g.townships[0].villages.len(), 2);
        assert!(GenGazetteer::parse("province = \"河南省\"").is_err());
        assert!(GenGazetteer::parse("not toml [").is_err());
    }
}
