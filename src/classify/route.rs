//! Routing (归口): the responsible unit of a record, from its primary category and its place.
//!
//! Why it exists: 分级负责、归口办理 — a local matter goes to the township (乡镇人民政府), any
//! other to the county department the taxonomy names for the category, or to the unit a cue in
//! the text points at (法院 → 县人民法院, 派出所 → 县公安局).
//!
//! What it must never do: invent a place. Without a known township a local matter goes to the
//! county department. Data: the taxonomy's `units`, `unit_cue`, `route_local` and
//! `route_local_needs_village`; the record's `place` from the extraction stage.

use super::rules::PhraseMatcher;
use super::taxonomy::CategoryDef;
use crate::record::Record;

/// The government of a township as a unit name: 城关镇 → 城关镇人民政府, 东城街道 → 东城街道办事处.
pub fn township_unit(township: &str) -> String {
    let t = township.trim();
    if t.ends_with("人民政府") || t.ends_with("办事处") {
        t.to_string()
    } else if t.ends_with("街道") {
        format!("{t}办事处")
    } else {
        format!("{t}人民政府")
    }
}

/// The responsible unit for a record whose primary category is `cat`.
pub fn route(cat: &CategoryDef, record: &Record, tokens: &[&str]) -> Option<String> {
    route_with(cat, unit_cue_matcher(cat).as_ref(), record, tokens)
}

/// The unit cues of a category as a matcher (payload: index into `unit_cue`), built once per
/// classifier rather than once per record; `None` when the category has no unit cues.
pub(crate) fn unit_cue_matcher(cat: &CategoryDef) -> Option<PhraseMatcher<usize>> {
    (!cat.unit_cue.is_empty()).then(|| {
        PhraseMatcher::new(
            cat.unit_cue
                .iter()
                .enumerate()
                .flat_map(|(i, u)| u.cues.iter().map(move |c| (c.clone(), i))),
        )
    })
}

/// [`route`] with the category's unit-cue matcher from [`unit_cue_matcher`].
pub(crate) fn route_with(
    cat: &CategoryDef,
    unit_cues: Option<&PhraseMatcher<usize>>,
    record: &Record,
    tokens: &[&str],
) -> Option<String> {
    if cat.route_local {
        let township = record
            .place
            .township
            .as_deref()
            .filter(|t| !t.trim().is_empty());
        let village_ok = !cat.route_local_needs_village
            || record
                .place
                .village
                .as_deref()
                .is_some_and(|v| !v.trim().is_empty());
        if let (Some(t), true) = (township, village_ok) {
            return Some(township_unit(t));
        }
    }
    if let Some(m) = unit_cues {
        let mut counts = vec![0usize; cat.unit_cue.len()];
        for h in m.find(tokens) {
            counts[*h.payload] += 1;
        }
        // Most cues wins; ties go to the unit listed first.
        if let Some((i, _)) = counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        {
            return Some(cat.unit_cue[i].unit.clone());
        }
    }
    cat.units.first().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::taxonomy::Taxonomy;
    use crate::record::Place;

    fn rec(township: Option<&str>, village: Option<&str>) -> Record {
        Record {
            place: Place {
                county: Some("清溪县".into()),
                township: township.map(String::from),
                village: village.map(String::from),
            },
            ..Default::default()
        }
    }

    #[test]
    fn local_matters_go_to_the_township() {
        let t = Taxonomy::default_taxonomy().unwrap();
        let rural = t.category("rural").unwrap();
        assert_eq!(
            route(rural, &rec(Some("城关镇"), None), &[]).as_deref(),
            Some("城关镇人民政府")
        );
        assert_eq!(
            route(rural, &rec(None, None), &[]).as_deref(),
            Some("县农业农村局")
        );
        let land = t.category("land").unwrap();
        assert_eq!(
            route(land, &rec(Some("城关镇"), None), &[]).as_deref(),
            Some("县自然资源局")
        );
        assert_eq!(
            route(land, &rec(Some("城关镇"), Some("东关村")), &[]).as_deref(),
            Some("城关镇人民政府")
        );
        assert_eq!(township_unit("东城街道"), "东城街道办事处");
    }

    #[test]
    fn county_matters_go_to_the_department_or_the_cued_unit() {
        let t = Taxonomy::default_taxonomy().unwrap();
        let labor = t.category("labor").unwrap();
        assert_eq!(
            route(labor, &rec(Some("城关镇"), None), &[]).as_deref(),
            Some("县人力资源和社会保障局")
        );
        let legal = t.category("legal").unwrap();
        assert_eq!(
            route(legal, &rec(None, None), &["派出所", "民警", "法院"]).as_deref(),
            Some("县公安局")
        );
        assert_eq!(
            route(legal, &rec(None, None), &["判决", "法院"]).as_deref(),
            Some("县人民法院")
        );
        assert_eq!(
            route(legal, &rec(None, None), &["反映"]).as_deref(),
            Some("县委政法委")
        );
    }
}
