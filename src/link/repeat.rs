//! Repeat petitions (重复信访): the same person coming back on the same matter, often one level up
//! (county → city → province → national, 越级).
//!
//! Why it exists: offices count and follow repeat petitions separately from first petitions, and a
//! leader wants to see how far up a matter has gone. Within one petitioner's records, this module
//! groups those on the same matter — the same primary category, one's primary category the other's
//! second (a letter on land compensation that dwells on the unpaid money can be filed under wages
//! first, land second), or texts alike enough (MinHash estimate of trigram Jaccard) — in time
//! order, and reports each group's count and the levels it reached. A record whose matter is
//! unknown (no category matched) follows up the person's latest matter.
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
/// withheld like wages) rather than one that mentions the other in passing. Measured on a
/// generated archive of 100k letters where a fifth of the repeat petitioners with three records
/// or more also write on an unrelated matter, repeat petitions P / R: every second category
/// 0.995 / 0.954; from 0.5 of the primary 0.996 / 0.952; 0.7, 0.998 / 0.949; 0.8, 0.999 / 0.946.
/// The corpus: 1.000 / 0.982 up to 0.5, 1.000 / 0.965 from 0.7.
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
///
/// A record whose matter is unknown (no category matched: a hotline row of one line, a letter of
/// thanks or complaint about nothing the taxonomy names) and whose text is like none of the
/// earlier ones follows up the matter of the person's latest record before it: a petitioner who
/// comes back without naming the matter again is most often still on the last one.
pub(crate) fn matter_groups(items: &mut [MatterItem]) -> Vec<Vec<usize>> {
    items.sort_by(|a, b| {
        let da = if a.day == NO_DAY { i32::MAX } else { a.day };
        let db = if b.day == NO_DAY { i32::MAX } else { b.day };
        da.cmp(&db).then_with(|| a.id.cmp(&b.id))
    });
    let mut groups: Vec<Vec<usize>> = Vec::new();
    // The group of the latest record so far.
    let mut latest = None;
    for i in 0..items.len() {
        let found = groups
            .iter()
            .position(|g| g.iter().any(|&j| same_matter(&items[j], &items[i])))
            .or(latest.filter(|_| items[i].categories[0] == u32::MAX));
        let g = found.unwrap_or_else(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
        latest = Some(g);
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
        ];
        assert_eq!(grouped(&mut items), vec![vec![0, 1, 2], vec![3]]);
    }

    #[test]
    fn a_record_of_unknown_matter_follows_up_the_latest_one() {
        let sketches: Vec<Sketch> = (0..6u8).map(|k| [k * 40; SKETCH]).collect();
        let mut items = vec![
            // Unknown matter first: nothing before it to follow up.
            item(0, 10, "a", [NO, NO], &sketches[0]),
            item(1, 20, "b", [1, NO], &sketches[1]),
            item(2, 30, "c", [2, NO], &sketches[2]),
            // Follows up 2's matter (the latest), not 1's nor 0's.
            item(3, 40, "d", [NO, NO], &sketches[3]),
            // Back on 1's matter; the next unknown one follows it.
            item(4, 50, "e", [1, NO], &sketches[4]),
            item(5, 60, "f", [NO, NO], &sketches[5]),
        ];
        assert_eq!(
            grouped(&mut items),
            vec![vec![0], vec![1, 4, 5], vec![2, 3]]
        );
    }
}
