//! The learned half of the classifier (学习模型): a linear model over jieba tokens, trained from
//! records that already carry a label (a ledger's 问题类别 column, or a labelled file).
//!
//! Why it exists: the taxonomy's rules know the vocabulary of a petition office, but every office
//! writes differently; a model trained on the office's own labelled history picks up its habits.
//! Features are hashed token unigrams, token bigrams and character n-grams inside tokens, weighted
//! by sublinear TF-IDF and L2-normalised; one linear L2-loss SVM per class (one-vs-rest), trained
//! by dual coordinate descent (the Liblinear algorithm), classes in parallel with rayon. Each
//! class's SVM sees the features scaled by that class's naive-Bayes log-count ratio (NBSVM, Wang
//! & Manning 2012); the ratio is folded into the stored weights, so a saved model is still one
//! weight per feature and class. Optional: token bigrams, other character n-gram orders, separate
//! normalisation of word and character features (all off by default: on real petition messages
//! they cost time and size without a cross-validated gain).
//!
//! What it must never do: read raw text (it sees only the tokens the shared segmenter produced, so
//! training and classification agree), depend on Python or any external service, or panic on an
//! empty or degenerate training set (that is an error value).
//!
//! Data: the examples come from the pipeline (`xinfang train PATH...`); the model is saved by the
//! pipeline as `<index>/model.json` and read back with [`LinearModel::from_json`].

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Format version written into `model.json`; a model with another version is refused.
pub const MODEL_VERSION: u32 = 1;

/// Weights are stored as integers of this many steps per unit, to keep `model.json` compact.
const WEIGHT_SCALE: f32 = 10_000.0;

/// Function words dropped before features are built: they carry no topic, and labelled sets
/// are often published with stop words already removed, so dropping them keeps training and
/// classification consistent.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "是", "在", "我", "我们", "你", "您", "你们", "他", "她", "它", "他们",
    "她们", "这", "那", "这个", "那个", "这些", "那些", "有", "也", "就", "都", "而", "及", "与",
    "或", "把", "被", "让", "给", "对", "从", "向", "将", "为", "以", "于", "之", "其", "该", "此",
    "等", "着", "过", "吗", "呢", "吧", "啊", "呀", "么", "又", "还", "很", "并", "但", "但是",
    "而且", "因为", "所以", "如果", "就是", "一个", "一些", "什么", "怎么", "这样", "那样", "已经",
    "可以", "能", "会", "要", "去", "来", "到", "说", "上", "下", "中", "里", "个", "们", "自己",
];

/// Options for [`train`].
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Folds of the cross-validation that produces the [`TrainReport`] (0 or 1: no evaluation).
    pub folds: usize,
    /// SVM cost parameter C.
    pub c: f32,
    /// Extra cost of a small class's positives in one-vs-rest: `(negatives/positives)^balance`
    /// (0: none, 0.5: square-root balancing).
    pub balance: f32,
    /// Maximum passes of dual coordinate descent over the data.
    pub max_passes: usize,
    /// Also use character bigrams over the run of kept tokens.
    pub char_ngrams: bool,
    /// Size of the hashed feature space is `2^hash_bits`.
    pub hash_bits: u32,
    /// Features seen in fewer training documents than this are dropped.
    pub min_df: u32,
    /// Seed for fold assignment and coordinate order (results are reproducible).
    pub seed: u64,
    /// Also use bigrams of adjacent kept tokens.
    pub word_bigrams: bool,
    /// Shortest and longest character n-gram (with `char_ngrams`).
    pub char_range: (u32, u32),
    /// Scale each class's features by its naive-Bayes log-count ratio before the SVM (NBSVM).
    pub nb_scaling: bool,
    /// NBSVM interpolation β: weights become `(1-β)·mean|w| + β·w` (1: plain NB-scaled SVM).
    pub nb_beta: f32,
    /// L2-normalise word features and character features separately.
    pub block_norm: bool,
}

impl TrainOptions {
    fn spec(&self) -> FeatureSpec {
        FeatureSpec {
            bits: self.hash_bits.clamp(1, 30),
            char_ngrams: self.char_ngrams,
            char_range: self.char_range,
            word_bigrams: self.word_bigrams,
            block_norm: self.block_norm,
        }
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            folds: 5,
            c: 1.0,
            balance: 0.5,
            max_passes: 10,
            char_ngrams: true,
            hash_bits: 20,
            min_df: 2,
            seed: 20_240_305,
            word_bigrams: false,
            char_range: (2, 2),
            nb_scaling: true,
            nb_beta: 1.0,
            block_norm: false,
        }
    }
}

/// Precision, recall and F1 of one class in cross-validation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of examples of this class.
    pub support: usize,
}

/// What [`train`] measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrainReport {
    pub examples: usize,
    /// Folds of the cross-validation (0 when none was run).
    pub folds: usize,
    /// Share of examples whose predicted class was right, over all folds.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1.
    pub macro_f1: f64,
    pub per_class: Vec<ClassReport>,
    /// Wall-clock seconds for cross-validation plus the final model.
    pub seconds: f64,
    /// Distinct features kept in the final model.
    pub features: usize,
}

impl TrainReport {
    /// A plain-text table for the terminal.
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "{} examples, {}-fold cross-validation: accuracy {:.4}, macro-F1 {:.4} ({} features, {:.2} s)\n",
            self.examples, self.folds, self.accuracy, self.macro_f1, self.features, self.seconds
        );
        s.push_str("class\tprecision\trecall\tF1\tsupport\n");
        for c in &self.per_class {
            s.push_str(&format!(
                "{}\t{:.4}\t{:.4}\t{:.4}\t{}\n",
                c.label, c.precision, c.recall, c.f1, c.support
            ));
        }
        s
    }
}

/// A trained one-vs-rest linear model over hashed token features. It (de)serialises through
/// `serde` as its JSON file shape; deserialising checks the version and the table sizes, so a
/// plain `serde_json::from_str::<LinearModel>` is as safe as [`LinearModel::from_json`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "ModelFile", into = "ModelFile")]
pub struct LinearModel {
    pub version: u32,
    /// Class labels as they were given in training (usually taxonomy codes).
    pub classes: Vec<String>,
    pub hash_bits: u32,
    pub char_ngrams: bool,
    /// Bigrams of adjacent tokens are features.
    pub word_bigrams: bool,
    /// Shortest and longest character n-gram (when `char_ngrams`).
    pub char_range: (u32, u32),
    /// Word and character features are L2-normalised separately.
    pub block_norm: bool,
    /// Hashed feature ids kept in the model, ascending.
    features: Vec<u32>,
    /// Inverse document frequency of each kept feature.
    idf: Vec<f32>,
    /// Per class, one weight per kept feature, as integers of `1/WEIGHT_SCALE`.
    weights: Vec<Vec<i32>>,
    /// Per class bias.
    bias: Vec<f32>,
    index: HashMap<u32, u32>,
    dense: Vec<Vec<f32>>,
}

/// The stored shape of a model (`model.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ModelFile {
    version: u32,
    classes: Vec<String>,
    hash_bits: u32,
    char_ngrams: bool,
    #[serde(default)]
    word_bigrams: bool,
    #[serde(default = "v1_char_range")]
    char_range: (u32, u32),
    #[serde(default)]
    block_norm: bool,
    features: Vec<u32>,
    idf: Vec<f32>,
    weights: Vec<Vec<i32>>,
    bias: Vec<f32>,
}

/// Character n-grams of a version-1 model: bigrams only.
fn v1_char_range() -> (u32, u32) {
    (2, 2)
}

impl From<LinearModel> for ModelFile {
    fn from(m: LinearModel) -> Self {
        ModelFile {
            version: m.version,
            classes: m.classes,
            hash_bits: m.hash_bits,
            char_ngrams: m.char_ngrams,
            word_bigrams: m.word_bigrams,
            char_range: m.char_range,
            block_norm: m.block_norm,
            features: m.features,
            idf: m.idf,
            weights: m.weights,
            bias: m.bias,
        }
    }
}

impl TryFrom<ModelFile> for LinearModel {
    type Error = String;
    fn try_from(m: ModelFile) -> Result<Self, String> {
        if m.version != MODEL_VERSION {
            return Err(format!(
                "model.json has format version {}, this xinfang reads {}: retrain with `xinfang train`",
                m.version, MODEL_VERSION
            ));
        }
        let f = m.features.len();
        if m.idf.len() != f
            || m.weights.len() != m.classes.len()
            || m.bias.len() != m.classes.len()
            || m.weights.iter().any(|w| w.len() != f)
            || !(1..=30).contains(&m.hash_bits)
        {
            return Err("model.json is damaged: its tables disagree in size".into());
        }
        let index = m
            .features
            .iter()
            .enumerate()
            .map(|(i, &h)| (h, i as u32))
            .collect();
        let dense = dequantise(&m.weights);
        Ok(LinearModel {
            version: m.version,
            classes: m.classes,
            hash_bits: m.hash_bits,
            char_ngrams: m.char_ngrams,
            word_bigrams: m.word_bigrams,
            char_range: m.char_range,
            block_norm: m.block_norm,
            features: m.features,
            idf: m.idf,
            weights: m.weights,
            bias: m.bias,
            index,
            dense,
        })
    }
}

/// Decision values of a model for one document, one per class, in `classes` order.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub scores: Vec<f32>,
}

impl Prediction {
    /// Index of the best class (None when there are no classes).
    pub fn best(&self) -> Option<usize> {
        self.scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
    }

    /// Softmax of the decision values, for combination with rule scores.
    pub fn probabilities(&self, temperature: f32) -> Vec<f32> {
        let m = self.scores.iter().cloned().fold(f32::MIN, f32::max);
        let e: Vec<f32> = self
            .scores
            .iter()
            .map(|s| ((s - m) / temperature.max(1e-3)).exp())
            .collect();
        let z: f32 = e.iter().sum();
        e.iter().map(|v| v / z.max(1e-12)).collect()
    }
}

fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A token worth a feature: has a letter or Han character, is not a bare number or a stop word.
fn keep_token(t: &str) -> bool {
    let t = t.trim();
    if t.is_empty() || STOP_WORDS.contains(&t) {
        return false;
    }
    let mut has_letter = false;
    for c in t.chars() {
        if c.is_alphabetic() {
            has_letter = true;
        } else if !c.is_ascii_digit() && !c.is_numeric() {
            // punctuation inside a token: jieba keeps punctuation as separate tokens
            if !(c == '.' || c == '-' || c == '_') {
                return false;
            }
        }
    }
    has_letter
}

/// How a document's tokens become hashed features; stored in the model so that classification
/// builds exactly the features training saw.
#[derive(Clone, Copy, Debug)]
struct FeatureSpec {
    bits: u32,
    char_ngrams: bool,
    char_range: (u32, u32),
    word_bigrams: bool,
    block_norm: bool,
}

impl FeatureSpec {
    /// With block normalisation, word features hash into the lower half of the space and
    /// character features into the upper half; this is the bit that tells them apart.
    fn block_bit(&self) -> Option<u32> {
        self.block_norm.then_some(self.bits - 1)
    }
}

/// Hashed term counts of one document: token unigrams, optionally bigrams of adjacent kept
/// tokens, and character n-grams over the run of kept tokens (they bridge segmentation
/// differences between the labelled set and live text). Each kind hashes in its own space.
fn raw_features<S: AsRef<str>>(tokens: &[S], spec: FeatureSpec) -> Vec<(u32, f32)> {
    let (mask, upper) = match spec.block_bit() {
        Some(b) => ((1u64 << b) - 1, 1u64 << b),
        None => ((1u64 << spec.bits) - 1, 0),
    };
    let kept: Vec<String> = tokens
        .iter()
        .map(|t| t.as_ref().trim())
        .filter(|t| keep_token(t))
        .map(|t| t.to_lowercase())
        .collect();
    let mut counts: HashMap<u32, f32> =
        HashMap::with_capacity_and_hasher(kept.len() * 6, Default::default());
    let mut add = |h: u64, blk: u64| *counts.entry((h & mask | blk) as u32).or_insert(0.0) += 1.0;
    for t in &kept {
        add(fnv1a(&["w", t]), 0);
    }
    if spec.word_bigrams {
        for w in kept.windows(2) {
            add(fnv1a(&["b", &w[0], &w[1]]), 0);
        }
    }
    if spec.char_ngrams {
        let chars: Vec<char> = kept.iter().flat_map(|t| t.chars()).collect();
        let (lo, hi) = (
            spec.char_range.0.max(1) as usize,
            spec.char_range.1 as usize,
        );
        let mut buf = String::with_capacity(16);
        for n in lo..=hi {
            // Distinct spaces per order; order 2 keeps the version-1 tag "x".
            let tag = match n {
                2 => "x".to_string(),
                n => format!("x{n}"),
            };
            for w in chars.windows(n) {
                buf.clear();
                buf.extend(w.iter());
                add(fnv1a(&[&tag, &buf]), upper);
            }
        }
    }
    counts.into_iter().collect()
}

/// Sparse documents over the compact feature space of a model (or of a training run).
struct Docs {
    rows: Vec<Vec<(u32, f32)>>,
}

fn tfidf_row(
    raw: &[(u32, f32)],
    index: &HashMap<u32, u32>,
    idf: &[f32],
    block_bit: Option<u32>,
) -> Vec<(u32, f32)> {
    let mut row: Vec<(u32, f32, bool)> = raw
        .iter()
        .filter_map(|(h, c)| {
            let blk = block_bit.is_some_and(|b| h >> b & 1 == 1);
            index
                .get(h)
                .map(|&j| (j, (1.0 + c.ln()) * idf[j as usize], blk))
        })
        .collect();
    row.sort_unstable_by_key(|e| e.0);
    let mut norm = [0f32; 2];
    for e in &row {
        norm[e.2 as usize] += e.1 * e.1;
    }
    let norm = [norm[0].sqrt(), norm[1].sqrt()];
    row.into_iter()
        .map(|(j, v, b)| {
            let n = norm[b as usize];
            (j, if n > 0.0 { v / n } else { v })
        })
        .collect()
}

/// Small deterministic PRNG (splitmix64), so folds and coordinate orders are reproducible.
pub(crate) struct SplitMix(u64);
impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// One binary L2-regularised L2-loss SVM by dual coordinate descent (Hsieh et al. 2008), with a
/// bias feature of value 1. Returns (weights over `dim` features, bias).
#[allow(clippy::too_many_arguments)]
fn train_binary(
    docs: &Docs,
    scale: Option<&[f32]>,
    y: &[f32],
    dim: usize,
    c: f32,
    opts_balance: f32,
    max_passes: usize,
    seed: u64,
) -> (Vec<f32>, f32) {
    let n = docs.rows.len();
    // Positive examples of a small class cost more (balance^exponent), so that one-vs-rest does
    // not give up small classes: this raises macro-F1.
    let pos = y.iter().filter(|v| **v > 0.0).count().max(1) as f32;
    let c_pos = c * ((n as f32 - pos) / pos).max(1.0).powf(opts_balance);
    let d: Vec<f32> = y
        .iter()
        .map(|v| if *v > 0.0 { 0.5 / c_pos } else { 0.5 / c })
        .collect();
    let mut w = vec![0f32; dim];
    let mut b = 0f32;
    let mut alpha = vec![0f32; n];
    let qd: Vec<f32> = docs
        .rows
        .iter()
        .zip(&d)
        .map(|(r, d_ii)| {
            let sq: f32 = match scale {
                Some(s) => r.iter().map(|e| (e.1 * s[e.0 as usize]).powi(2)).sum(),
                None => r.iter().map(|e| e.1 * e.1).sum(),
            };
            sq + 1.0 + d_ii
        })
        .collect();
    // With NB scaling the feature value is `v·s[j]`: rows are scaled once per class here.
    let scaled: Vec<Vec<(u32, f32)>>;
    let rows: &[Vec<(u32, f32)>] = match scale {
        Some(s) => {
            scaled = docs
                .rows
                .iter()
                .map(|r| r.iter().map(|&(j, v)| (j, v * s[j as usize])).collect())
                .collect();
            &scaled
        }
        None => &docs.rows,
    };
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix::new(seed);
    for _ in 0..max_passes {
        rng.shuffle(&mut order);
        let (mut pg_max, mut pg_min) = (f32::MIN, f32::MAX);
        for &i in &order {
            let row = &rows[i];
            let wx: f32 = row.iter().map(|&(j, v)| w[j as usize] * v).sum::<f32>() + b;
            let g = y[i] * wx - 1.0 + d[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y[i];
                if d != 0.0 {
                    for &(j, v) in row {
                        w[j as usize] += d * v;
                    }
                    b += d;
                }
            }
        }
        if pg_max - pg_min < 0.1 {
            break;
        }
    }
    (w, b)
}

/// Naive-Bayes log-count ratio of class `k` against the rest for every feature (Wang & Manning
/// 2012), from binarised document counts with add-one smoothing.
fn nb_log_ratio(class_df: &[Vec<f32>], k: usize) -> Vec<f32> {
    let dim = class_df[k].len();
    let p: Vec<f32> = class_df[k].iter().map(|c| c + 1.0).collect();
    let q: Vec<f32> = (0..dim)
        .map(|j| {
            class_df
                .iter()
                .enumerate()
                .filter(|(c, _)| *c != k)
                .map(|(_, t)| t[j])
                .sum::<f32>()
                + 1.0
        })
        .collect();
    let (sp, sq) = (p.iter().sum::<f32>(), q.iter().sum::<f32>());
    p.iter()
        .zip(&q)
        .map(|(a, b)| ((a / sp) / (b / sq)).ln())
        .collect()
}

/// Fit a model on documents given as raw hashed counts; no evaluation.
fn fit(
    raw: &[&Vec<(u32, f32)>],
    labels: &[usize],
    classes: &[String],
    opts: &TrainOptions,
) -> LinearModel {
    let n = raw.len();
    let mut df: HashMap<u32, u32> = HashMap::default();
    for r in raw {
        for (h, _) in r.iter() {
            *df.entry(*h).or_insert(0) += 1;
        }
    }
    let mut features: Vec<u32> = df
        .iter()
        .filter(|(_, &d)| d >= opts.min_df.max(1))
        .map(|(&h, _)| h)
        .collect();
    features.sort_unstable();
    let index: HashMap<u32, u32> = features
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i as u32))
        .collect();
    let idf: Vec<f32> = features
        .iter()
        .map(|h| ((1.0 + n as f32) / (1.0 + df[h] as f32)).ln() + 1.0)
        .collect();
    let docs = Docs {
        rows: raw
            .iter()
            .map(|r| tfidf_row(r, &index, &idf, opts.spec().block_bit()))
            .collect(),
    };
    let dim = features.len();
    // Documents per class containing each feature, for the naive-Bayes log-count ratios.
    let class_df: Vec<Vec<f32>> = if opts.nb_scaling {
        let mut t = vec![vec![0f32; dim]; classes.len()];
        for (row, &l) in docs.rows.iter().zip(labels) {
            for &(j, _) in row {
                t[l][j as usize] += 1.0;
            }
        }
        t
    } else {
        Vec::new()
    };
    let trained: Vec<(Vec<f32>, f32)> = (0..classes.len())
        .into_par_iter()
        .map(|k| {
            let y: Vec<f32> = labels
                .iter()
                .map(|&l| if l == k { 1.0 } else { -1.0 })
                .collect();
            let ratio = (!class_df.is_empty()).then(|| nb_log_ratio(&class_df, k));
            let (mut w, b) = train_binary(
                &docs,
                ratio.as_deref(),
                &y,
                dim,
                opts.c,
                opts.balance,
                opts.max_passes,
                opts.seed ^ k as u64,
            );
            if let Some(r) = ratio {
                // w acts on r⊙x; interpolate towards the mean magnitude (Wang & Manning 2012),
                // then fold r into the weights so the stored model stays linear in x.
                let beta = opts.nb_beta.clamp(0.0, 1.0);
                let mean = w.iter().map(|v| v.abs()).sum::<f32>() / dim.max(1) as f32;
                for (wj, rj) in w.iter_mut().zip(&r) {
                    *wj = ((1.0 - beta) * mean + beta * *wj) * rj;
                }
            }
            (w, b)
        })
        .collect();
    let file = ModelFile {
        version: MODEL_VERSION,
        classes: classes.to_vec(),
        hash_bits: opts.hash_bits,
        char_ngrams: opts.char_ngrams,
        word_bigrams: opts.word_bigrams,
        char_range: opts.char_range,
        block_norm: opts.block_norm,
        features,
        idf,
        weights: trained
            .iter()
            .map(|(w, _)| {
                w.iter()
                    .map(|v| (v * WEIGHT_SCALE).round() as i32)
                    .collect()
            })
            .collect(),
        bias: trained.iter().map(|t| t.1).collect(),
    };
    drop(index);
    LinearModel::try_from(file).unwrap_or_else(|_| unreachable_model())
}

/// `fit` builds consistent tables, so its conversion cannot fail; an empty two-class model keeps
/// this total without a panic path.
fn unreachable_model() -> LinearModel {
    LinearModel {
        version: MODEL_VERSION,
        classes: Vec::new(),
        hash_bits: 20,
        char_ngrams: false,
        word_bigrams: false,
        char_range: (2, 2),
        block_norm: false,
        features: Vec::new(),
        idf: Vec::new(),
        weights: Vec::new(),
        bias: Vec::new(),
        index: HashMap::default(),
        dense: Vec::new(),
    }
}

fn dequantise(w: &[Vec<i32>]) -> Vec<Vec<f32>> {
    w.iter()
        .map(|r| r.iter().map(|&v| v as f32 / WEIGHT_SCALE).collect())
        .collect()
}

/// Per-class precision/recall/F1, accuracy and macro-F1 of predictions against gold labels.
pub fn evaluate(
    gold: &[usize],
    pred: &[usize],
    classes: &[String],
) -> (f64, f64, Vec<ClassReport>) {
    let k = classes.len();
    let mut tp = vec![0usize; k];
    let mut fp = vec![0usize; k];
    let mut fnn = vec![0usize; k];
    let mut correct = 0;
    for (&g, &p) in gold.iter().zip(pred) {
        if g == p {
            tp[g] += 1;
            correct += 1;
        } else {
            fp[p] += 1;
            fnn[g] += 1;
        }
    }
    let per: Vec<ClassReport> = (0..k)
        .map(|c| {
            let p = if tp[c] + fp[c] > 0 {
                tp[c] as f64 / (tp[c] + fp[c]) as f64
            } else {
                0.0
            };
            let r = if tp[c] + fnn[c] > 0 {
                tp[c] as f64 / (tp[c] + fnn[c]) as f64
            } else {
                0.0
            };
            let f = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            ClassReport {
                label: classes[c].clone(),
                precision: p,
                recall: r,
                f1: f,
                support: tp[c] + fnn[c],
            }
        })
        .collect();
    let present: Vec<&ClassReport> = per.iter().filter(|c| c.support > 0).collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
    };
    let acc = if gold.is_empty() {
        0.0
    } else {
        correct as f64 / gold.len() as f64
    };
    (acc, macro_f1, per)
}

/// Why training could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrainError {
    /// No example had both tokens and a label.
    NoExamples,
    /// All examples carry the same label: there is nothing to tell apart.
    SingleClass(String),
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::NoExamples => write!(f, "no labelled examples to train on"),
            TrainError::SingleClass(l) => {
                write!(
                    f,
                    "all labelled examples carry the same label ({l}): need at least two"
                )
            }
        }
    }
}

impl std::error::Error for TrainError {}

/// Train a model on `(tokens, label)` pairs and measure it by stratified k-fold
/// cross-validation (`opts.folds`). Examples with an empty label are skipped.
pub fn train(
    examples: &[(Vec<String>, String)],
    opts: &TrainOptions,
) -> Result<(LinearModel, TrainReport), TrainError> {
    let start = Instant::now();
    let examples: Vec<&(Vec<String>, String)> = examples
        .iter()
        .filter(|(t, l)| !l.trim().is_empty() && !t.is_empty())
        .collect();
    if examples.is_empty() {
        return Err(TrainError::NoExamples);
    }
    let mut classes: Vec<String> = examples.iter().map(|e| e.1.trim().to_string()).collect();
    classes.sort();
    classes.dedup();
    if classes.len() < 2 {
        return Err(TrainError::SingleClass(classes[0].clone()));
    }
    let labels: Vec<usize> = examples
        .iter()
        .map(|e| classes.binary_search(&e.1.trim().to_string()).unwrap_or(0))
        .collect();
    let raw: Vec<Vec<(u32, f32)>> = examples
        .par_iter()
        .map(|e| raw_features(&e.0, opts.spec()))
        .collect();

    let mut report = TrainReport {
        examples: examples.len(),
        ..Default::default()
    };
    if opts.folds >= 2 && examples.len() >= opts.folds * 2 {
        let fold_of = stratified_folds(&labels, classes.len(), opts.folds, opts.seed);
        let preds: Vec<Vec<(usize, usize)>> = (0..opts.folds)
            .into_par_iter()
            .map(|f| {
                let tr: Vec<usize> = (0..raw.len()).filter(|&i| fold_of[i] != f).collect();
                let te: Vec<usize> = (0..raw.len()).filter(|&i| fold_of[i] == f).collect();
                let tr_raw: Vec<&Vec<(u32, f32)>> = tr.iter().map(|&i| &raw[i]).collect();
                let tr_lab: Vec<usize> = tr.iter().map(|&i| labels[i]).collect();
                let m = fit(&tr_raw, &tr_lab, &classes, opts);
                te.iter()
                    .map(|&i| (labels[i], m.predict_raw(&raw[i]).best().unwrap_or(0)))
                    .collect()
            })
            .collect();
        let (gold, pred): (Vec<usize>, Vec<usize>) = preds.into_iter().flatten().unzip();
        let (acc, mf1, per) = evaluate(&gold, &pred, &classes);
        report.folds = opts.folds;
        report.accuracy = acc;
        report.macro_f1 = mf1;
        report.per_class = per;
    }
    let all: Vec<&Vec<(u32, f32)>> = raw.iter().collect();
    let model = fit(&all, &labels, &classes, opts);
    report.features = model.features.len();
    report.seconds = start.elapsed().as_secs_f64();
    Ok((model, report))
}

/// Train on a seeded stratified share of the examples and measure on the rest (a fixed
/// hold-out: `1/holdout_folds` of each class is held out). The report's `folds` is 1.
pub fn evaluate_holdout(
    examples: &[(Vec<String>, String)],
    opts: &TrainOptions,
    holdout_folds: usize,
) -> Result<TrainReport, TrainError> {
    let start = Instant::now();
    let mut classes: Vec<String> = examples.iter().map(|e| e.1.trim().to_string()).collect();
    classes.sort();
    classes.dedup();
    classes.retain(|c| !c.is_empty());
    if classes.len() < 2 {
        return Err(classes
            .pop()
            .map(TrainError::SingleClass)
            .unwrap_or(TrainError::NoExamples));
    }
    let labels: Vec<usize> = examples
        .iter()
        .map(|e| {
            classes
                .binary_search(&e.1.trim().to_string())
                .unwrap_or(usize::MAX)
        })
        .collect();
    let fold_of = stratified_folds(&labels, classes.len(), holdout_folds.max(2), opts.seed);
    let train_set: Vec<(Vec<String>, String)> = examples
        .iter()
        .zip(&fold_of)
        .filter(|(_, &f)| f != 0)
        .map(|(e, _)| e.clone())
        .collect();
    let (m, _) = train(
        &train_set,
        &TrainOptions {
            folds: 0,
            ..opts.clone()
        },
    )?;
    let (mut gold, mut pred) = (Vec::new(), Vec::new());
    for ((e, &f), &l) in examples.iter().zip(&fold_of).zip(&labels) {
        if f == 0 && l != usize::MAX {
            gold.push(l);
            let best = m.predict(&e.0).best().unwrap_or(0);
            pred.push(classes.binary_search(&m.classes[best]).unwrap_or(0));
        }
    }
    let (accuracy, macro_f1, per_class) = evaluate(&gold, &pred, &classes);
    Ok(TrainReport {
        examples: gold.len(),
        folds: 1,
        accuracy,
        macro_f1,
        per_class,
        seconds: start.elapsed().as_secs_f64(),
        features: m.feature_count(),
    })
}

/// Fold number of each example: shuffled within each class, then dealt round-robin.
pub(crate) fn stratified_folds(
    labels: &[usize],
    classes: usize,
    folds: usize,
    seed: u64,
) -> Vec<usize> {
    let mut rng = SplitMix::new(seed);
    let mut fold_of = vec![0usize; labels.len()];
    for c in 0..classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        rng.shuffle(&mut idx);
        for (k, i) in idx.into_iter().enumerate() {
            fold_of[i] = k % folds;
        }
    }
    fold_of
}

impl LinearModel {
    /// Read a model saved with [`LinearModel::to_json`]; checks version and shapes.
    pub fn from_json(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("model.json is not a usable model: {e}"))
    }

    /// Serialise to compact JSON (weights as scaled integers).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn spec(&self) -> FeatureSpec {
        FeatureSpec {
            bits: self.hash_bits,
            char_ngrams: self.char_ngrams,
            char_range: self.char_range,
            word_bigrams: self.word_bigrams,
            block_norm: self.block_norm,
        }
    }

    /// Number of features kept.
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    fn predict_raw(&self, raw: &[(u32, f32)]) -> Prediction {
        let row = tfidf_row(raw, &self.index, &self.idf, self.spec().block_bit());
        let scores = self
            .dense
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| row.iter().map(|&(j, v)| w[j as usize] * v).sum::<f32>() + b)
            .collect();
        Prediction { scores }
    }

    /// Decision values for a document given as its tokens.
    pub fn predict<S: AsRef<str>>(&self, tokens: &[S]) -> Prediction {
        self.predict_raw(&raw_features(tokens, self.spec()))
    }

    /// The tokens of the document that push it most towards class `class`, strongest first
    /// (at most `n`, each once, as they appear in the text): the model's evidence.
    pub fn evidence<S: AsRef<str>>(&self, tokens: &[S], class: usize, n: usize) -> Vec<String> {
        let Some(w) = self.dense.get(class) else {
            return Vec::new();
        };
        let spec = self.spec();
        let mask = (1u64 << spec.block_bit().unwrap_or(spec.bits)) - 1;
        let mut seen: HashMap<&str, f32> = HashMap::default();
        for t in tokens {
            let t = t.as_ref().trim();
            if !keep_token(t) || seen.contains_key(t) {
                continue;
            }
            let h = (fnv1a(&["w", &t.to_lowercase()]) & mask) as u32;
            if let Some(&j) = self.index.get(&h) {
                let c = w[j as usize] * self.idf[j as usize];
                if c > 0.0 {
                    seen.insert(t, c);
                }
            }
        }
        let mut v: Vec<(&str, f32)> = seen.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        v.into_iter().take(n).map(|(t, _)| t.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn toy() -> Vec<(Vec<String>, String)> {
        let mut v = Vec::new();
        for i in 0..20 {
            v.push((
                toks(&format!("拖欠 工资 农民工 老板 {i}")),
                "labor".to_string(),
            ));
            v.push((
                toks(&format!("征地 补偿款 拆迁 安置 {i}")),
                "land".to_string(),
            ));
            v.push((
                toks(&format!("学校 教师 学生 收费 {i}")),
                "education".to_string(),
            ));
        }
        v
    }

    #[test]
    fn learns_separable_classes_and_round_trips() {
        let (m, rep) = train(&toy(), &TrainOptions::default()).unwrap();
        assert!(rep.macro_f1 > 0.99, "{}", rep.to_table());
        let p = m.predict(&["老板", "拖欠", "工资"]);
        assert_eq!(m.classes[p.best().unwrap()], "labor");
        let back = LinearModel::from_json(&m.to_json()).unwrap();
        let plain: LinearModel = serde_json::from_str(&m.to_json()).unwrap();
        assert_eq!(
            plain.predict(&["征地"]).scores,
            back.predict(&["征地"]).scores
        );
        let q = back.predict(&["征地", "补偿款"]);
        assert_eq!(back.classes[q.best().unwrap()], "land");
        let ev = back.evidence(&["我们", "征地", "补偿款", "的"], q.best().unwrap(), 3);
        assert!(ev.contains(&"征地".to_string()));
        assert!(!ev.contains(&"的".to_string()));
    }

    #[test]
    fn refuses_degenerate_training_sets() {
        assert_eq!(
            train(&[], &TrainOptions::default()).unwrap_err(),
            TrainError::NoExamples
        );
        let one = vec![(toks("工资"), "labor".to_string())];
        assert!(matches!(
            train(&one, &TrainOptions::default()),
            Err(TrainError::SingleClass(_))
        ));
        assert!(LinearModel::from_json("{}").is_err());
        assert!(LinearModel::from_json("not json").is_err());
    }

    /// Minimal CSV reader for the evaluation file (quoted fields may hold commas and newlines).
    fn read_csv(s: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut f, mut q) = (Vec::new(), Vec::new(), String::new(), false);
        let mut it = s.trim_start_matches('\u{feff}').chars().peekable();
        while let Some(c) = it.next() {
            if q {
                if c == '"' {
                    if it.peek() == Some(&'"') {
                        f.push('"');
                        it.next();
                    } else {
                        q = false;
                    }
                } else {
                    f.push(c);
                }
            } else {
                match c {
                    '"' => q = true,
                    ',' => row.push(std::mem::take(&mut f)),
                    '\n' => {
                        row.push(std::mem::take(&mut f));
                        rows.push(std::mem::take(&mut row));
                    }
                    '\r' => {}
                    _ => f.push(c),
                }
            }
        }
        if !f.is_empty() || !row.is_empty() {
            row.push(f);
            rows.push(row);
        }
        rows
    }

    /// Real labelled government messages (2020 Teddy Cup, problem C): train on a seeded 80 %,
    /// measure macro-F1 on the other 20 %. Skips when the shared real data are absent.
    #[test]
    fn real_teddy_messages_holdout_macro_f1() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/real/classify/teddy2020c-train.csv"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("note: {path} absent, skipping the real-data evaluation");
            return;
        };
        let ex: Vec<(Vec<String>, String)> = read_csv(&text)
            .into_iter()
            .skip(1)
            .filter(|r| r.len() == 2)
            .map(|r| {
                (
                    r[0].split_whitespace().map(String::from).collect(),
                    r[1].trim().to_string(),
                )
            })
            .collect();
        assert!(ex.len() > 6000, "{} examples", ex.len());
        let rep = evaluate_holdout(&ex, &TrainOptions::default(), 5).unwrap();
        eprintln!("teddy hold-out 20 %: {}", rep.to_table());
        assert!(rep.macro_f1 >= 0.92, "{}", rep.to_table());
    }

    #[test]
    fn probabilities_sum_to_one() {
        let p = Prediction {
            scores: vec![1.0, -1.0, 0.2],
        };
        let s: f32 = p.probabilities(0.5).iter().sum();
        assert!((s - 1.0).abs() < 1e-5);
    }
}
