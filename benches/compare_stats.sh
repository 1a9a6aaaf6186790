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

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
CORPUS=$(realpath -m "${1:-data/generated/corpus}")
DAGLOG=$(realpath -m "${2:-target/release/daglog}")
RUNS=${RUNS:-3}
SIZE=${SIZE:-1G}
PAR=${PAR:-$(nproc)}
NO_DAGLOG=${NO_DAGLOG:-0}
NO_DUCKDB=${NO_DUCKDB:-0}
VENV=$(realpath -m "${VENV:-target/bench-venv}")
STATS=$REPO/benches/stats

log() { echo "compare_stats: $*" >&2; }

# ---------------------------------------------------------------- prerequisites

command -v jq >/dev/null || { log "jq is required"; exit 1; }
command -v python3 >/dev/null || { log "python3 is required"; exit 1; }

if [[ ! -f $CORPUS/.manifest.json ]]; then
    log "no corpus at $CORPUS, building one of $SIZE"
    python3 benches/make_corpus.py --out "$CORPUS" --size "$SIZE" >&2
fi

has_stats() { [[ -x $DAGLOG ]] && "$DAGLOG" stats --help >/dev/null 2>&1; }
if [[ $NO_DAGLOG != 1 ]] && ! has_stats; then
    if [[ -z ${2:-} ]]; then
        log "building daglog (cargo build --release -p daglog-cli)"
        cargo build --release -p daglog-cli >&2 || true
    fi
    if ! has_stats; then
        log "$DAGLOG is missing or has no \`stats\` subcommand; fix the build or run with NO_DAGLOG=1"
        exit 1
    fi
fi

# DuckDB's Python package, pinned, in a virtualenv of its own (target/ is gitignored).
if [[ $NO_DUCKDB != 1 ]]; then
    if [[ ! -x $VENV/bin/python ]]; then
        log "creating $VENV"
        python3 -m venv "$VENV" >&2 || { log "python3 -m venv failed; run with NO_DUCKDB=1"; exit 1; }
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$STATS/requirements.txt" >&2 ||
        { log "pip install -r benches/stats/requirements.txt failed; run with NO_DUCKDB=1"; exit 1; }
    DUCK_PY=$VENV/bin/python
    DUCK_VERSION=$("$DUCK_PY" -c 'import duckdb; print(duckdb.__version__)')
else
    DUCK_VERSION="skipped (NO_DUCKDB=1)"
fi

# GNU time for peak RSS, as in compare.sh; fall back to Python's resource.getrusage.
if ! /usr/bin/time -f %M true >/dev/null 2>&1 && command -v apt-get >/dev/null && [[ $EUID == 0 ]]; then
    log "installing GNU time"
    { apt-get install -y -qq time || { apt-get update -qq && apt-get install -y -qq time; }; } >&2 || true
fi
if /usr/bin/time -f %M true >/dev/null 2>&1; then TIMER=gnu; else TIMER=python; fi

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

manifest() { jq -r ".$1" "$CORPUS/.manifest.json"; }
BYTES=$(manifest bytes)
EXPECT_EVENTS=$(manifest events)
EXPECT_RUNS=$(manifest runs)

# ---------------------------------------------------------------- one folder per run
#
# daglog merges several exports of the same run (an event identical in runId, timestamp,
# eventType, stepKey and message across different export folders counts once); the other
# tools here count every event. Their answers are therefore only comparable if no run is
# exported twice. make_corpus.py leaves out the f1_hang in-progress snapshot (the only
# second export of a run in the real data) for that reason; check that this corpus
# really holds every run id in one run folder (<case>/<runId>/pages) only.
RUN_DIRS=$(find "$CORPUS" -type d -name pages -printf '%h\n' | awk -F/ '{ print $NF }' | LC_ALL=C sort)
DUP_RUNS=$(uniq -d <<<"$RUN_DIRS" | head -n 5)
N_RUN_DIRS=$(wc -l <<<"$RUN_DIRS")
if [[ -n $DUP_RUNS ]]; then
    log "run ids exported in more than one folder, e.g.:"
    echo "$DUP_RUNS" >&2
    log "daglog would merge their events, the other tools would count them twice;"
    log "this benchmark needs a corpus from make_corpus.py, which leaves such snapshots out"
    exit 1
fi
if [[ $N_RUN_DIRS != "$EXPECT_RUNS" ]]; then
    log "$N_RUN_DIRS run folders but .manifest.json says $EXPECT_RUNS runs"
    exit 1
fi

# ---------------------------------------------------------------- measurement

# time_once CMD: run CMD under bash (with pipefail), set WALL (seconds) and RSS_KB.
# %M is the largest single process of the pipeline, not the sum of concurrent ones.
time_once() {
    local cmd="set -o pipefail; $1"
    if [[ $TIMER == gnu ]]; then
        local t0=$EPOCHREALTIME
        /usr/bin/time -f %M -o "$SCRATCH/rss" bash -c "$cmd" ||
            { local rc=$?; log "command failed (exit $rc): $1"; exit "$rc"; }
        local t1=$EPOCHREALTIME
        WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        RSS_KB=$(tail -n 1 "$SCRATCH/rss")
    else
        read -r WALL RSS_KB < <(python3 -c '
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(["bash", "-c", sys.argv[1]])
wall = time.perf_counter() - t
print(f"{wall:.3f}", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$cmd")
    fi
}

# Readings above physical memory (which this VM's kernel occasionally returns) are dropped.
MEM_KB=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
TOOLS=()              # keys, in run order
declare -A NAME MEDIAN RSS

# bench KEY NAME CMD: 1 warm-up, then RUNS timed runs. CMD must write the tool's NDJSON
# answer to $SCRATCH/KEY.ndjson.
bench() {
    local key=$1 cmd=$3 walls=() rss=0 i
    log "$2"
    time_once "$cmd"
    for ((i = 0; i < RUNS; i++)); do
        time_once "$cmd"
        walls+=("$WALL")
        if ((RSS_KB > MEM_KB)); then
            log "ignoring impossible peak RSS reading of $RSS_KB KiB"
        elif ((RSS_KB > rss)); then
            rss=$RSS_KB
        fi
    done
    MEDIAN[$key]=$(printf '%s\n' "${walls[@]}" | sort -g |
        awk '{ a[NR] = $1 } END { printf "%.3f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    NAME[$key]=$2 RSS[$key]=$rss
    TOOLS+=("$key")
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

mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
daglog_version=$([[ $NO_DAGLOG == 1 ]] && echo "skipped (NO_DAGLOG=1)" || "$DAGLOG" --version 2>/dev/null || echo "$DAGLOG")
have_daglog=$([[ $NO_DAGLOG == 1 ]] && echo 0 || echo 1)

cat <<EOF
# Q4 run stats: daglog vs jq, DuckDB, Python

## Machine

- nproc: $(nproc)
- CPU: ${cpu:-unknown}
- memory: $mem_gib GiB
- kernel: $(uname -sr)
- jq: $(jq --version)
- python: $(python3 -c 'import platform; print(platform.python_version())')
- duckdb: $DUCK_VERSION
- daglog: $daglog_version
- peak RSS via: $([[ $TIMER == gnu ]] && echo "GNU time %M" || echo "python resource.getrusage")

## Corpus

\`$CORPUS\`: $(jq -r '"\(.files) page files, \(.bytes) bytes (\(.bytes / 1e6 | floor) MB), \(.events) events, \(.runs) runs, \(.compact_replicas) compact + \(.pretty_replicas) pretty replicas"' "$CORPUS/.manifest.json").
Every run id is in exactly one run folder ($N_RUN_DIRS folders), so no run needs merging across exports.

## Results

For every run: runId, stepsSucceeded, stepsFailed, materializations, expectations, eventCount,
startTime, endTime (RunStatsSnapshot figures from the events alone).
Median wall time of $RUNS runs after 1 warm-up (warm page cache). Throughput = corpus bytes / median (MB = 10^6 B).
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
