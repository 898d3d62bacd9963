#!/usr/bin/env bash
# The archive-scale benchmark (BENCHMARKS.md): generate archives, ingest them end to end, and
# measure against the floor (bare tantivy + jieba on the same letters), search latency,
# incremental ingestion, repeats and export, and quality against the generator's truth.
#
#   bench/run.sh [SIZES...]        default: 10000 100000 1000000
#
# Work files go to $BENCH_DIR (default /tmp/xinfang-bench); nothing is committed. An archive
# already there is reused: delete it (or its truth.jsonl) after changing the generator.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000 1000000}")
[ $# -eq 0 ] && sizes=(10000 100000 1000000)
work=${BENCH_DIR:-/tmp/xinfang-bench}
mkdir -p "$work"
# The installed build (Cargo.toml, `release-lto`), the floor and the search bench alike.
profile=release-lto
cargo build --profile $profile --quiet --bin xinfang --example floor --example search_bench
bin=target/$profile/xinfang
results="$work/results.jsonl"
: > "$results"
note() { echo "$*" | tee -a "$results"; }

for n in "${sizes[@]}"; do
  archive="$work/archive-$n"
  index="$work/index-$n"
  floor="$work/floor-$n"
  rm -rf "$index" "$floor"
  if [ ! -f "$archive/truth.jsonl" ]; then
    rm -rf "$archive"
    $bin gen --letters "$n" --seed 7 --out "$archive" --pdf-from corpus/pdf/libreoffice --json > "$work/gen-$n.json"
  fi
  sync
  # Warm the page cache so that the ingest and the floor read the same, cached files: the
  # figures measure CPU work, not the disk (a cold first read of 1M files adds minutes).
  find "$archive" -type f -print0 | xargs -0 cat > /dev/null
  # End-to-end ingest (classification and linking included), then the floor on the same files.
  note "{\"size\": $n, \"ingest\": $($bin ingest "$archive" --index "$index" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("skipped"); d["failed"]=len(d["failed"]); print(json.dumps(d))')}"
  note "{\"size\": $n, \"floor\": $(cargo run --profile $profile --quiet --example floor -- "$archive" "$floor")}"
  rm -rf "$floor"
  # Quality at scale: linking and duplicates against the generator's truth.
  note "{\"size\": $n, \"quality\": $($bin evaluate "$archive/truth.jsonl" --prefix "$archive/" --index "$index" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); [d.pop(k) for k in ("misses", "missing", "values")]; print(json.dumps(d))')}"
  # Search latency on the warm index: 20 rounds of 30 queries, so that a p99 is not one stall.
  cargo run --profile $profile --quiet --example search_bench -- "$index" 20 | while read -r line; do
    note "{\"size\": $n, \"search\": $line}"
  done
  # Incremental: 1,000 new letters linked against the whole index.
  inc="$work/increment-$n"
  rm -rf "$inc"
  $bin gen --letters 1000 --seed $((n + 1)) --out "$inc" --json > /dev/null
  note "{\"size\": $n, \"increment_1000\": $($bin ingest "$inc" --index "$index" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("records","seconds","peak_rss_bytes","stages")}))')}"
  # Repeats and export over the whole index.
  t0=$(date +%s.%N); $bin repeats --index "$index" --json > /dev/null; t1=$(date +%s.%N)
  $bin export --index "$index" > /dev/null; t2=$(date +%s.%N)
  note "{\"size\": $n, \"repeats_seconds\": $(python3 -c "print($t1 - $t0)"), \"export_seconds\": $(python3 -c "print($t2 - $t1)")}"
done
echo "results: $results"
