//! Repeat petitions (重复信访): the same person coming back on the same matter, often one level up
//! (county → city → province → national, 越级).
//!
//! Why it exists: offices count and follow repeat petitions separately from first petitions, and a
//! leader wants to see how far up a matter has gone. Within one petitioner's records, this module
//! groups those on the same matter — same primary category, or texts alike enough (MinHash estimate
//! of trigram Jaccard) when the classifier filed one of them elsewhere — in time order, and reports
//! each group's count and the levels it reached.
//!
//! What it must never do: group records of different petitioners (it only ever sees one cluster), or
//! depend on the order records arrived in: groups are built in (date, record id) order, so the same
//! archive always gives the same first record and the same `repeat` flags.
//!
//! Where its data comes from: the linker's per-record facts (date, primary category, addressee level,
//! sketch), for the records of one petitioner cluster.

use super::duplicate::sketch_similarity;
use super::state::{RecId, Sketch, NO_DAY};

/// Estimated text similarity from which two records of one person are the same matter whatever
/// their categories.
pub(crate) const MATTER_SIMILARITY: f32 = 0.34;

/// One record of a petitioner, as matter grouping sees it.
pub(crate) struct MatterItem<'a> {
    pub record: u32,
    pub day: i32,
    pub id: RecId<'a>,
    /// Primary category symbol or `u32::MAX`.
    pub category: u32,
    pub sketch: &'a Sketch,
    /// Short bodies carry no comparable sketch.
    pub short: bool,
}

fn same_matter(a: &MatterItem, b: &MatterItem) -> bool {
    if a.category != u32::MAX && a.category == b.category {
        return true;
    }
    !a.short && !b.short && sketch_similarity(a.sketch, b.sketch) >= MATTER_SIMILARITY
}

/// Sorts `items` by (date, id) — undated records last — and groups them by matter. Each group lists
/// positions in the sorted `items`, earliest first; groups are in order of their first record.
pub(crate) fn matter_groups(items: &mut [MatterItem]) -> Vec<Vec<usize>> {
    items.sort_by(|a, b| {
        let da = if a.day == NO_DAY { i32::MAX } else { a.day };
        let db = if b.day == NO_DAY { i32::MAX } else { b.day };
        da.cmp(&db).then_with(|| a.id.cmp(&b.id))
    });
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..items.len() {
        let found = groups
            .iter()
            .position(|g| g.iter().any(|&j| same_matter(&items[j], &items[i])));
        match found {
            Some(g) => groups[g].push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_category_in_time_order() {
        let s: Sketch = [0; super::super::state::SKETCH];
        let t: Sketch = [1; super::super::state::SKETCH];
        let mut items = vec![
            MatterItem {
                record: 0,
                day: 30,
                id: RecId::Text("c"),
                category: 1,
                sketch: &s,
                short: false,
            },
            MatterItem {
                record: 1,
                day: 10,
                id: RecId::Text("a"),
                category: 1,
                sketch: &t,
                short: false,
            },
            MatterItem {
                record: 2,
                day: 20,
                id: RecId::Text("b"),
                category: 2,
                sketch: &t,
                short: false,
            },
            MatterItem {
                record: 3,
                day: 40,
                id: RecId::Text("d"),
                category: 3,
                sketch: &s,
                short: true,
            },
        ];
        let g = matter_groups(&mut items);
        let recs: Vec<Vec<u32>> = g
            .iter()
            .map(|g| g.iter().map(|&i| items[i].record).collect())
            .collect();
        // 1 (day 10) and 2 (day 20) share a text; 0 shares 1's category; 3 is alone.
        assert_eq!(recs, vec![vec![1, 2, 0], vec![3]]);
    }
}
