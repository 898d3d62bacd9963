//! Search latency of an index: a fixed set of 1–3-term Chinese queries, with and without
//! filters, each producing ranked hits with snippets, measured warm.
//!
//! `cargo run --release --example search_bench -- INDEX_DIR [ROUNDS]` prints one JSON line per
//! query set: `{"set", "queries", "p50_ms", "p99_ms", "max_ms", "mean_hits"}`.

use std::time::Instant;

/// The allocator of the `xinfang` binary, whose searches this measures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use xinfang::config::Config;
use xinfang::engine::Engine;
use xinfang::search::{search, Filters, SearchRequest};
use xinfang::store::Store;

const QUERIES: &[&str] = &[
    "征地",
    "补偿款",
    "拆迁 安置",
    "拖欠 工资",
    "养老保险",
    "企业 改制",
    "下岗 职工",
    "低保",
    "派出所 立案",
    "法院 判决 执行",
    "退役军人",
    "宅基地",
    "污染",
    "医疗费",
    "学校",
    "公路",
    "村干部 贪污",
    "信访 答复",
    "土地 承包 合同",
    "补偿 标准 过低",
    "工程款",
    "安置房 质量",
    "集体 资产",
    "社保 缴纳",
    "伤残 补助",
    "化工厂",
    "噪音",
    "拖欠",
    "强拆",
    "\"征地补偿款\"",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() >= 2, "usage: search_bench INDEX_DIR [ROUNDS]");
    let rounds: usize = args.get(2).map_or(Ok(5), |r| r.parse())?;
    let engine = Engine::new(&Config::load(None)?, None)?;
    let store = Store::open(std::path::Path::new(&args[1]))?;
    let sets: Vec<(&str, Filters)> = vec![
        ("no filter", Filters::default()),
        (
            "category+date",
            Filters {
                categories: vec!["land".into()],
                from: Some("2022-01-01".into()),
                to: Some("2023-12-31".into()),
                ..Filters::default()
            },
        ),
        (
            "township+flag",
            Filters {
                township: Some("城关镇".into()),
                flags: vec!["repeat".into()],
                ..Filters::default()
            },
        ),
    ];
    for (name, filters) in sets {
        let mut times = Vec::new();
        let mut slowest: Vec<(f64, &str)> = Vec::new();
        let mut hits = 0usize;
        for round in 0..=rounds {
            for q in QUERIES {
                let request = SearchRequest {
                    query: q.to_string(),
                    filters: filters.clone(),
                    limit: 10,
                    offset: 0,
                };
                let t = Instant::now();
                let result = search(&store, &engine.segmenter, &request)?;
                let ms = t.elapsed().as_secs_f64() * 1e3;
                if round > 0 {
                    // Round 0 warms the caches.
                    times.push(ms);
                    slowest.push((ms, q));
                    hits += result.hits.len();
                }
            }
        }
        times.sort_by(f64::total_cmp);
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        slowest.dedup_by_key(|x| x.1);
        slowest.truncate(3);
        println!(
            "{}",
            serde_json::json!({
                "set": name,
                "queries": times.len(),
                "p50_ms": percentile(&times, 0.5),
                "p99_ms": percentile(&times, 0.99),
                "max_ms": times.last(),
                "mean_hits": hits as f64 / times.len() as f64,
                "slowest": slowest,
            })
        );
    }
    Ok(())
}
