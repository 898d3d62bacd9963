//! Clustering quality measures for petitioner resolution and duplicate detection: pairwise
//! precision / recall / F1 and B-cubed precision / recall / F1.
//!
//! Why it exists: the linking targets (pairwise precision ≥ 99 %, B-cubed F1 ≥ 0.95, duplicate F1 ≥
//! 0.95) are checked by the evaluation and the integration tests against a corpus with ground truth;
//! both need the same, well-defined arithmetic.
//!
//! What it must never do: enumerate pairs (counts come from the contingency table of truth ×
//! prediction, so a million-item evaluation is linear), or silently ignore items: an item present in
//! the truth but missing from the prediction counts as a predicted singleton; items only in the
//! prediction are ignored (they have no truth).
//!
//! Where its data comes from: two partitions of the same items (record ids, or record-id#position
//! for petitioner mentions), given as lists of clusters.

use std::collections::HashMap;
use std::hash::Hash;

/// Precision, recall and F1 with the counts behind them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pairs in the same true cluster.
    pub true_pairs: u64,
    /// Pairs in the same predicted cluster.
    pub predicted_pairs: u64,
    /// Pairs in the same cluster in both.
    pub correct_pairs: u64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Cluster labels of every true item, in truth and prediction (missing → own singleton).
fn labels<T: Eq + Hash + Clone>(truth: &[Vec<T>], pred: &[Vec<T>]) -> Vec<(usize, usize)> {
    let mut pred_of: HashMap<&T, usize> = HashMap::new();
    for (i, c) in pred.iter().enumerate() {
        for x in c {
            pred_of.insert(x, i);
        }
    }
    let mut next = pred.len();
    let mut out = Vec::new();
    for (t, c) in truth.iter().enumerate() {
        for x in c {
            let p = match pred_of.get(x) {
                Some(&p) => p,
                None => {
                    next += 1;
                    next
                }
            };
            out.push((t, p));
        }
    }
    out
}

/// Pairwise precision, recall and F1 of `pred` against `truth`. With no predicted pairs precision
/// is 1; with no true pairs recall is 1.
pub fn pairwise_prf<T: Eq + Hash + Clone>(truth: &[Vec<T>], pred: &[Vec<T>]) -> Prf {
    let l = labels(truth, pred);
    let mut cell: HashMap<(usize, usize), u64> = HashMap::new();
    let mut tsize: HashMap<usize, u64> = HashMap::new();
    let mut psize: HashMap<usize, u64> = HashMap::new();
    for &(t, p) in &l {
        *cell.entry((t, p)).or_default() += 1;
        *tsize.entry(t).or_default() += 1;
        *psize.entry(p).or_default() += 1;
    }
    let correct: u64 = cell.values().map(|&n| pairs(n)).sum();
    let tp: u64 = tsize.values().map(|&n| pairs(n)).sum();
    let pp: u64 = psize.values().map(|&n| pairs(n)).sum();
    let precision = if pp == 0 {
        1.0
    } else {
        correct as f64 / pp as f64
    };
    let recall = if tp == 0 {
        1.0
    } else {
        correct as f64 / tp as f64
    };
    Prf {
        precision,
        recall,
        f1: f1(precision, recall),
        true_pairs: tp,
        predicted_pairs: pp,
        correct_pairs: correct,
    }
}

/// B-cubed precision, recall and F1 (averaged over the true items).
pub fn bcubed<T: Eq + Hash + Clone>(truth: &[Vec<T>], pred: &[Vec<T>]) -> Prf {
    let l = labels(truth, pred);
    if l.is_empty() {
        return Prf {
            precision: 1.0,
            recall: 1.0,
            f1: 1.0,
            ..Default::default()
        };
    }
    let mut cell: HashMap<(usize, usize), u64> = HashMap::new();
    let mut tsize: HashMap<usize, u64> = HashMap::new();
    let mut psize: HashMap<usize, u64> = HashMap::new();
    for &(t, p) in &l {
        *cell.entry((t, p)).or_default() += 1;
        *tsize.entry(t).or_default() += 1;
        *psize.entry(p).or_default() += 1;
    }
    let (mut p_sum, mut r_sum) = (0.0, 0.0);
    for &(t, p) in &l {
        let both = cell[&(t, p)] as f64;
        p_sum += both / psize[&p] as f64;
        r_sum += both / tsize[&t] as f64;
    }
    let n = l.len() as f64;
    let (precision, recall) = (p_sum / n, r_sum / n);
    Prf {
        precision,
        recall,
        f1: f1(precision, recall),
        ..Default::default()
    }
}

/// B-cubed F1 of `pred` against `truth`.
pub fn bcubed_f1<T: Eq + Hash + Clone>(truth: &[Vec<T>], pred: &[Vec<T>]) -> f64 {
    bcubed(truth, pred).f1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_merged() {
        let truth = vec![vec![1, 2, 3], vec![4, 5]];
        let m = pairwise_prf(&truth, &truth);
        assert_eq!((m.precision, m.recall), (1.0, 1.0));
        assert_eq!(bcubed_f1(&truth, &truth), 1.0);
        let merged = vec![vec![1, 2, 3, 4, 5]];
        let m = pairwise_prf(&truth, &merged);
        assert_eq!(m.correct_pairs, 4);
        assert_eq!(m.predicted_pairs, 10);
        assert!((m.precision - 0.4).abs() < 1e-9);
        assert_eq!(m.recall, 1.0);
        // B-cubed precision: 3 items at 3/5, 2 at 2/5 → 13/25.
        let b = bcubed(&truth, &merged);
        assert!((b.precision - 13.0 / 25.0).abs() < 1e-9);
    }

    #[test]
    fn missing_items_are_singletons() {
        let truth = vec![vec!["a", "b"]];
        let pred: Vec<Vec<&str>> = vec![vec!["a"]];
        let m = pairwise_prf(&truth, &pred);
        assert_eq!((m.precision, m.recall), (1.0, 0.0));
    }
}
