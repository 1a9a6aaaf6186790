#!/usr/bin/env bash
# Q4 "run stats": Dagster's RunStatsSnapshot figures for every run of a generated corpus,
# computed from the events alone, timed with daglog, jq, DuckDB and plain Python. Checks
# that all give the same answer and prints a Markdown report like compare.sh's.
#
# usage: benches/compare_stats.sh [CORPUS_DIR] [DAGLOG_BIN]
#   CORPUS_DIR  default data/generated/corpus (built with make_corpus.py if missing)
#   DAGLOG_BIN  default target/release/daglog (built with cargo if missing or without `stats`)
# env:  RUNS=3       timed runs per command (after 1 warm-up); the median is reported
#       SIZE=1G      corpus size when the corpus has to be built
#       PAR=nproc    parallelism of the jq xargs -P, DuckDB and Python multiprocessing variants
#       NO_DAGLOG=1  skip daglog (time the other tools alone)
#       NO_DUCKDB=1  skip DuckDB (e.g. no PyPI access)
#       VENV=target/bench-venv  virtualenv that gets benches/stats/requirements.txt (duckdb)
# Relative paths are relative to the repo root. Exits 2 with MISMATCH if any answer differs.
set -euo pipefail

BENCH_NAME=compare_stats
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

script_args "$@"
PAR=${PAR:-$(nproc)}
NO_DAGLOG=${NO_DAGLOG:-0}
NO_DUCKDB=${NO_DUCKDB:-0}
VENV=$(realpath -m "${VENV:-target/bench-venv}")
STATS=$REPO/benches/stats

# ---------------------------------------------------------------- prerequisites

need jq python3
ensure_corpus
[[ $NO_DAGLOG == 1 ]] || ensure_daglog "fix the build or run with NO_DAGLOG=1" stats

# DuckDB's Python package, pinned, in a virtualenv of its own (target/ is gitignored).
if [[ $NO_DUCKDB != 1 ]]; then
    ensure_venv "run with NO_DUCKDB=1"
    DUCK_PY=$VENV_PY
    DUCK_VERSION=$("$DUCK_PY" -c 'import duckdb; print(duckdb.__version__)')
else
    DUCK_VERSION="skipped (NO_DUCKDB=1)"
fi

setup_timer

BYTES=$(manifest bytes)
EXPECT_EVENTS=$(manifest events)
EXPECT_RUNS=$(manifest runs)

# daglog merges several exports of the same run, the other tools count every event: their
# answers are only comparable if every run id is in one run folder (see lib.sh).
check_one_run_folder

# ---------------------------------------------------------------- measurement

TOOLS=()              # keys, in run order
declare -A NAME

# bench KEY NAME CMD: 1 warm-up, then RUNS timed runs (lib.sh's measure). CMD must write
# the tool's NDJSON answer to $SCRATCH/KEY.ndjson.
bench() {
    measure "$1" "$2" "$3"
    NAME[$1]=$2
    TOOLS+=("$1")
}

# ---------------------------------------------------------------- commands

# Only page files: the corpus root also holds .manifest.json.
PAGES="find '$CORPUS' -path '*/pages/page-*.json' -print0"
out() { echo "'$SCRATCH/$1.ndjson'"; }

[[ $NO_DAGLOG == 1 ]] ||
    bench daglog daglog "'$DAGLOG' stats '$CORPUS' --ndjson > $(out daglog)"
# One jq process over all pages (cat, because xargs would split the list over several jq).
bench jq jq "$PAGES | xargs -0 cat | jq -n -c -f '$STATS/stats.jq' > $(out jq)"
# A run's pages may land in different jq processes: merge.jq sums their partial records.
# Each jq writes a file of its own: jq flushes stdout in blocks, not lines, so several jq
# sharing one pipe interleave and corrupt records once one prints more than a pipe buffer
# (this happened on the 1 GB corpus: "Invalid numeric literal" in merge.jq).
PARTS=$SCRATCH/jqpar
bench jqpar "jq (xargs -P$PAR) + merge" \
    "rm -rf '$PARTS' && mkdir '$PARTS' && $PAGES |
     xargs -0 -P$PAR -n 256 sh -c 'jq -n -c -f \"$STATS/stats.jq\" \"\$@\" > \"\$(mktemp -p \"$PARTS\")\"' sh &&
     jq -n -c -f '$STATS/merge.jq' '$PARTS'/* > $(out jqpar)"
[[ $NO_DUCKDB == 1 ]] ||
    bench duckdb "DuckDB $DUCK_VERSION ($PAR threads)" \
        "'$DUCK_PY' '$STATS/q4_duckdb.py' --threads $PAR '$CORPUS' > $(out duckdb)"
bench python "Python json" "python3 '$STATS/q4_python.py' '$CORPUS' > $(out python)"
bench pypar "Python json (-j $PAR)" "python3 '$STATS/q4_python.py' -j $PAR '$CORPUS' > $(out pypar)"

# ---------------------------------------------------------------- answers

# Canonical answer: one TSV line per run (normalise.jq: counts, times rounded to the ms),
# sorted bytewise. Every tool must give the reference's md5 (plain Python, the simplest
# code), as many lines as .manifest.json has runs, and eventCounts adding up to its events.
REF=python
MISMATCH=0
declare -A ANSWER
for t in "${TOOLS[@]}"; do
    { jq -r -f "$STATS/normalise.jq" "$SCRATCH/$t.ndjson" || echo "unparsable output"; } |
        LC_ALL=C sort > "$SCRATCH/$t.tsv"
done
REF_MD5=$(md5sum < "$SCRATCH/$REF.tsv" | cut -c1-12)
for t in "${TOOLS[@]}"; do
    md5=$(md5sum < "$SCRATCH/$t.tsv" | cut -c1-12)
    lines=$(wc -l < "$SCRATCH/$t.tsv")
    events=$(awk -F'\t' '{ s += $6 } END { printf "%d", s }' "$SCRATCH/$t.tsv")
    verdict=ok
    if [[ $md5 != "$REF_MD5" || $lines != "$EXPECT_RUNS" || $events != "$EXPECT_EVENTS" ]]; then
        verdict=MISMATCH MISMATCH=1
        log "${NAME[$t]}: $md5, $lines runs, $events events; expected $REF_MD5, $EXPECT_RUNS runs, $EXPECT_EVENTS events"
        [[ $t == "$REF" ]] || diff "$SCRATCH/$REF.tsv" "$SCRATCH/$t.tsv" | head -n 6 >&2 || true
    fi
    ANSWER[$t]="$md5 ($lines runs, $events events) $verdict"
done

# ---------------------------------------------------------------- report

daglog_version=$([[ $NO_DAGLOG == 1 ]] && echo "skipped (NO_DAGLOG=1)" || "$DAGLOG" --version 2>/dev/null || echo "$DAGLOG")
have_daglog=$([[ $NO_DAGLOG == 1 ]] && echo 0 || echo 1)

cat <<EOF
# Q4 run stats: daglog vs jq, DuckDB, Python

## Machine

$(machine_facts)
- python: $(python3 -c 'import platform; print(platform.python_version())')
- duckdb: $DUCK_VERSION
- daglog: $daglog_version
$(timer_fact)

## Corpus

$(corpus_facts).
Every run id is in exactly one run folder ($N_RUN_DIRS folders), so no run needs merging across exports.

## Results

For every run: runId, stepsSucceeded, stepsFailed, materializations, expectations, eventCount,
startTime, endTime (RunStatsSnapshot figures from the events alone).
Median wall time of $RUNS runs after 1 warm-up, each right after reading the whole corpus (warm page cache). Throughput = corpus bytes / median (MB = 10^6 B).
Peak RSS = largest single process of the pipeline, max over the timed runs (MB = 2^20 B).
daglog/tool = daglog's median / the tool's (below 1: daglog is faster).
Answer = md5 prefix of the sorted normalised TSV (times rounded to the ms), checked against plain Python,
the runs in .manifest.json ($EXPECT_RUNS) and the sum of eventCount against its events ($EXPECT_EVENTS).

| tool | median s | MB/s | peak RSS MB | daglog/tool | answer |
|---|---:|---:|---:|---:|---|
EOF
for t in "${TOOLS[@]}"; do
    awk -v n="${NAME[$t]}" -v m="${MEDIAN[$t]}" -v b="$BYTES" -v r="${RSS[$t]}" -v a="${ANSWER[$t]}" \
        -v d="$([[ $t == daglog ]] || echo "${MEDIAN[daglog]:-}")" \
        'BEGIN { printf "| %s | %.2f | %.0f | %s | %s | %s |\n", n, m, b / 1e6 / m,
                 r ? sprintf("%.0f", r / 1024) : "?", d == "" ? "—" : sprintf("%.3f", d / m), a }'
done

if ((have_daglog)); then
    echo
    for t in "${TOOLS[@]}"; do
        [[ $t == daglog ]] && continue
        awk -v n="${NAME[$t]}" -v d="${MEDIAN[daglog]}" -v m="${MEDIAN[$t]}" \
            'BEGIN { printf "- daglog %.2f s vs %s %.2f s (%.1fx)\n", d, n, m, m / d }'
    done
fi

if ((MISMATCH)); then
    echo
    echo "**Answers differ** (MISMATCH in the answer column)."
    exit 2
fi
