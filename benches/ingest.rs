//! Criterion benches for ingest: one real page parsed, and the whole fixture
//! archive loaded and written out as `--json` would write it (into a Vec, so
//! that output I/O is not measured).
//!
//! Run with `cargo bench -p daglog-ingest`. The end-to-end comparison against
//! jq on a ≥1 GB corpus is `benches/compare.sh`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use daglog_ingest::{
    Archive, EventRef, Input, JsonJoin, KeepRaw, LoadOptions, NoProgress, ParseOptions, parse_bytes,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dagster-1.13")
}

fn parse_page(c: &mut Criterion) {
    // The largest real page: 1000 events of a 300-way fan-out run.
    let path = fixtures()
        .join("j1_fanout_300_success/4fb36135-36bc-41e9-b621-a73f55f84472/pages/page-0001.json");
    let data = std::fs::read(&path).expect("fixture page");
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("parse_page", format!("{}KB", data.len() / 1024)),
        &data,
        |b, data| {
            b.iter(|| {
                let f = parse_bytes(&path, data, &ParseOptions::default()).expect("parses");
                black_box(f.batch.len())
            })
        },
    );
    group.finish();
}

fn load_archive(c: &mut Criterion) {
    let root = fixtures();
    let inputs = [Input::Path(root.clone())];
    // As `logs --json` loads: every event's JSON, no messages or details.
    let opts = || LoadOptions {
        parse: ParseOptions {
            keep_raw: KeepRaw::All,
            details: false,
            fallback_run_id: None,
        },
        strict: false,
        ..LoadOptions::default()
    };
    let probe = Archive::load(&inputs, opts(), &NoProgress).expect("loads");
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(probe.stats.bytes));
    group.sample_size(20);
    group.bench_function(
        BenchmarkId::new(
            "load_and_write_json",
            format!("{}MB", probe.stats.bytes >> 20),
        ),
        |b| {
            let mut out = Vec::with_capacity(16 << 20);
            b.iter(|| {
                let archive = Archive::load(&inputs, opts(), &NoProgress).expect("loads");
                out.clear();
                let refs: Vec<EventRef> = archive
                    .runs
                    .iter()
                    .flat_map(|r| r.events.iter().copied())
                    .collect();
                // As `--json` writes them: read back from the files, compact.
                let join = JsonJoin {
                    between: b",",
                    after_each: b"",
                };
                archive
                    .write_joined_json(&refs, join, |joined| {
                        out.extend_from_slice(joined);
                        Ok(())
                    })
                    .expect("prints");
                black_box(out.len())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, parse_page, load_archive);
criterion_main!(benches);
