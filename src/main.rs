//! The `xinfang` command: a thin layer over the library (see `cli`).

mod cli;

/// mimalloc instead of the system allocator: a run allocates and frees millions of small
/// strings across threads (records, words, postings), and glibc's malloc was ~14 % of the CPU of
/// the 100k benchmark ingest (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
