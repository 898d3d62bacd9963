//! Repeat petitions (重复信访): the same person coming back on the same matter, often one level up
//! (county → city → province → national, 越级).
//!
//! Why it exists: offices count and follow repeat petitions separately from first petitions, and a
//! leader wants to see how far up a matter has gone. Within one petitioner's records, this module
//! groups those on the same matter — the same primary category, one's primary category the other's
//! second (a letter on land compensation that dwells on the unpaid money can be filed under wages
//! first, land second), or texts alike enough (MinHash estimate of trigram Jaccard) — in time
//! order, and reports each group's count and the levels it reached.
//!
//! What it must never do: group records of different petitioners (it only ever sees one cluster), or
//! depend on the order records arrived in: groups are built in (date, record id) order, so the same
//! archive always gives the same first record and the same `repeat` flags.
//!
//! Where its data comes from: the linker's per-record facts (date, primary and second category,
//! addressee level, sketch), for the records of one petitioner cluster.

use super::duplicate::sketch_similarity;
use super::state::{RecId, Sketch, NO_DAY};

/// Estimated text similarity from which two records of one person are the same matter whatever
/// their categories.
pub(crate) const MATTER_SIMILARITY: f32 = 0.34;

/// A record's second category stands for its matter beside the primary only when it scores at
/// least this share of the primary's: a letter about both (land taken *and* the compensation
/// withheld like wages) rather than one that mentions the other in passing. Repeat petitions P / R
/// on a generated archive of 100k letters where a fifth of the repeat petitioners with three
/// records or more also write on an unrelated matter: every second category 0.9958 / 0.9481; from
/// 0.5 of the primary 0.9963 / 0.9465; 0.7, 0.9983 / 0.9440; 0.8, 0.9993 / 0.9404. The corpus:
/// 1.000 / 0.965 up to 0.5, 1.000 / 0.947 from 0.7. In the real Teddy Cup messages 0.5 drops two
/// repeats of 169, both joining letters on other matters (a road cut off and a dusty building
/// site; a town's plan and its bus lines).
pub(crate) const SECOND_CATEGORY_SHARE: f32 = 0.5;

/// One record of a petitioner, as matter grouping sees it.
pub(crate) struct MatterItem<'a> {
    pub record: u32,
    pub day: i32,
    pub id: RecId<'a>,
    /// Primary and second category symbols, `u32::MAX` where absent.
    pub categories: [u32; 2],
    pub sketch: &'a Sketch,
    /// Short bodies carry no comparable sketch.
    pub short: bool,
}

fn same_matter(a: &MatterItem, b: &MatterItem) -> bool {
    let ([a1, a2], [b1, b2]) = (a.categories, b.categories);
    if (a1 != u32::MAX && (a1 == b1 || a1 == b2)) || (b1 != u32::MAX && b1 == a2) {
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
    use crate::link::state::SKETCH;

    const NO: u32 = u32::MAX;

    fn item<'a>(
        record: u32,
        day: i32,
        id: &'a str,
        categories: [u32; 2],
        sketch: &'a Sketch,
    ) -> MatterItem<'a> {
        MatterItem {
            record,
            day,
            id: RecId::Text(id),
            categories,
            sketch,
            short: false,
        }
    }

    fn grouped(items: &mut [MatterItem]) -> Vec<Vec<u32>> {
        matter_groups(items)
            .iter()
            .map(|g| g.iter().map(|&i| items[i].record).collect())
            .collect()
    }

    #[test]
    fn groups_by_category_in_time_order() {
        let s: Sketch = [0; SKETCH];
        let t: Sketch = [1; SKETCH];
        let mut items = vec![
            item(0, 30, "c", [1, NO], &s),
            item(1, 10, "a", [1, NO], &t),
            item(2, 20, "b", [2, NO], &t),
            MatterItem {
                short: true,
                ..item(3, 40, "d", [3, NO], &s)
            },
        ];
        // 1 (day 10) and 2 (day 20) share a text; 0 shares 1's category; 3 is alone.
        assert_eq!(grouped(&mut items), vec![vec![1, 2, 0], vec![3]]);
    }

    #[test]
    fn a_primary_category_filed_second_elsewhere_is_the_same_matter() {
        // Texts unlike each other: only categories can join them.
        let sketches: Vec<Sketch> = (0..5u8).map(|k| [k * 40; SKETCH]).collect();
        let mut items = vec![
            item(0, 10, "a", [1, 2], &sketches[0]),
            // Its primary is 0's second.
            item(1, 20, "b", [2, 5], &sketches[1]),
            // Its second is 1's primary.
            item(2, 30, "c", [7, 2], &sketches[2]),
            // Only its second agrees with 1's second: neither is the other's primary.
            item(3, 40, "d", [8, 5], &sketches[3]),
            // No categories at all.
            item(4, 50, "e", [NO, NO], &sketches[4]),
        ];
        assert_eq!(grouped(&mut items), vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    #[test]
    fn a_record_without_category_joins_only_a_text_like_it() {
        let sketches: Vec<Sketch> = (0..3u8).map(|k| [k * 40; SKETCH]).collect();
        let mut items = vec![
            item(0, 10, "a", [1, NO], &sketches[0]),
            // No category, unlike text: a matter of its own, not a repeat of 0's.
            item(1, 20, "b", [NO, NO], &sketches[1]),
            // No category again, another text: not the same as 1 for lacking a category.
            item(2, 30, "c", [NO, NO], &sketches[2]),
            // No category, the text of 0: its matter.
            item(3, 40, "d", [NO, NO], &sketches[0]),
        ];
        assert_eq!(grouped(&mut items), vec![vec![0, 3], vec![1], vec![2]]);
    }
}
