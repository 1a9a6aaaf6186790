//! Criterion bench for the analysis: the whole fixture archive (23 runs,
//! 5.6 k events) turned into a frame and computed — run and step figures,
//! then gaps — with the archive already loaded, so only polars' work counts.
//!
//! Run with `cargo bench -p daglog-analysis`. Whole-archive `stats` on the
//! ≥1 GB corpus against jq, DuckDB and Python is `benches/compare_stats.sh`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use daglog_analysis::Analysis;
use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};

fn whole_archive(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dagster-1.13");
    let archive = Archive::load(
        &[Input::from_arg(root.to_str().expect("utf-8 path"))],
        LoadOptions::default(),
        &NoProgress,
    )
    .expect("fixtures load");
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Elements(archive.stats.events as u64));
    group.bench_function("run_stats", |b| {
        b.iter(|| {
            let analysis = Analysis::new(&archive, archive.runs.iter().collect()).expect("frame");
            black_box(analysis.run_stats().expect("figures").len())
        })
    });
    group.bench_function("run_stats_and_gaps", |b| {
        b.iter(|| {
            let analysis = Analysis::new(&archive, archive.runs.iter().collect()).expect("frame");
            let stats = analysis.run_stats().expect("figures");
            black_box(analysis.gaps(&stats, 10_000, 3).expect("gaps").len())
        })
    });
    group.finish();
}

criterion_group!(benches, whole_archive);
criterion_main!(benches);
