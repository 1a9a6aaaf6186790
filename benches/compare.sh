#!/usr/bin/env bash
# Time the same questions with daglog and with jq over a generated corpus, check that
# both give the same answers, and print a Markdown report.
#
# usage: benches/compare.sh [CORPUS_DIR] [DAGLOG_BIN]
#   CORPUS_DIR  default data/generated/corpus (built with make_corpus.py if missing)
#   DAGLOG_BIN  default target/release/daglog (built with cargo if missing)
# env:  RUNS=3       timed runs per command (after 1 warm-up); the median is reported
#       SIZE=1G      corpus size when the corpus has to be built
#       JQ_PAR=nproc parallelism of the "xargs -P" jq variant
#       JQ_ONLY=1    skip daglog (time jq alone)
# Relative paths are relative to the repo root.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
CORPUS=$(realpath -m "${1:-data/generated/corpus}")
DAGLOG=$(realpath -m "${2:-target/release/daglog}")
RUNS=${RUNS:-3}
SIZE=${SIZE:-1G}
JQ_PAR=${JQ_PAR:-$(nproc)}
JQ_ONLY=${JQ_ONLY:-0}

log() { echo "compare: $*" >&2; }

# ---------------------------------------------------------------- prerequisites

command -v jq >/dev/null || { log "jq is required"; exit 1; }

if [[ ! -f $CORPUS/.manifest.json ]]; then
    log "no corpus at $CORPUS, building one of $SIZE"
    python3 benches/make_corpus.py --out "$CORPUS" --size "$SIZE" >&2
fi

if [[ $JQ_ONLY != 1 && ! -x $DAGLOG ]]; then
    if [[ -z ${2:-} ]]; then
        log "building daglog (cargo build --release -p daglog-cli)"
        cargo build --release -p daglog-cli >&2 || true
    fi
    if [[ ! -x $DAGLOG ]]; then
        log "no daglog binary at $DAGLOG; fix the build or run with JQ_ONLY=1"
        exit 1
    fi
fi

# Peak RSS comes from GNU time's %M (KiB). Install it if missing; otherwise fall back
# to Python's resource.getrusage(RUSAGE_CHILDREN), which reports the same figure.
if ! /usr/bin/time -f %M true >/dev/null 2>&1 && command -v apt-get >/dev/null && [[ $EUID == 0 ]]; then
    log "installing GNU time"
    { apt-get install -y -qq time || { apt-get update -qq && apt-get install -y -qq time; }; } >&2 || true
fi
if /usr/bin/time -f %M true >/dev/null 2>&1; then TIMER=gnu; else TIMER=python; fi

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

# ---------------------------------------------------------------- measurement

# time_once CMD: run CMD under bash (with pipefail), set WALL (seconds) and RSS_KB.
# %M is the largest single process of the pipeline (wait4 folds in reaped descendants),
# not the sum of concurrent processes.
time_once() {
    local cmd="set -o pipefail; $1"
    if [[ $TIMER == gnu ]]; then
        local t0=$EPOCHREALTIME
        /usr/bin/time -f %M -o "$SCRATCH/rss" bash -c "$cmd"
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

BYTES=$(jq -r .bytes "$CORPUS/.manifest.json")
# ru_maxrss occasionally comes back absurd on this VM's kernel (tens of GB for a 5 MB jq);
# readings above physical memory are dropped rather than reported.
MEM_KB=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
ROWS=()            # finished table rows, filled by bench
declare -A MEDIAN  # "tool|question" -> median seconds, for the speed-up summary

# bench KEY TOOL QUESTION CMD: 1 warm-up (fills the page cache), then RUNS timed runs;
# records median wall time, throughput over the corpus bytes and the max peak RSS.
# The answer column is left as @KEY@ and filled in once all answers are known.
bench() {
    local key=$1 tool=$2 q=$3 cmd=$4 walls=() rss=0 i
    log "$tool: $q"
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
    local median
    median=$(printf '%s\n' "${walls[@]}" | sort -g |
        awk '{ a[NR] = $1 } END { printf "%.3f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    MEDIAN["$tool|$q"]=$median
    ROWS+=("$(awk -v t="$tool" -v q="$q" -v m="$median" -v b="$BYTES" -v r="$rss" -v ans="@$key@" \
        'BEGIN { printf "| %s | %s | %.2f | %.0f | %s | %s |", t, q, m, b / 1e6 / m, r ? sprintf("%.0f", r / 1024) : "?", ans }')")
}

# ---------------------------------------------------------------- commands

# Only page files: the corpus root also holds .manifest.json.
PAGES="find '$CORPUS' -path '*/pages/page-*.json' -print0"
JQ_SEQ="$PAGES | xargs -0 jq -c"
# -n bounds each jq's file list so the work spreads over JQ_PAR processes.
JQ_PARX="$PAGES | xargs -0 -P$JQ_PAR -n 256 jq -c"
DL="'$DAGLOG' logs"
FAIL_FILTER='.events[] | select(.eventType != null and (.eventType|contains("FAILURE")))'
# Canonical projection used to compare event streams regardless of order and formatting.
canon() { jq -r '[.runId,.timestamp,.eventType,.stepKey]|@tsv' "$1" | LC_ALL=C sort | md5sum | cut -c1-12; }

EXPECT_EVENTS=$(jq -r .events "$CORPUS/.manifest.json")
Q1="Q1 count all events" Q2="Q2 failure events as NDJSON" Q3="Q3 write everything as JSON"
Q1_TOOLS=() Q2_TOOLS=() Q3_TOOLS=()

# Q1: answers are line counts; they must equal each other and the manifest's event count.
# (xargs -P interleaves jq outputs in pipe-buffer chunks, which keeps the newline count exact.)
q1() { # TOOL CMD KEY
    bench "q1.$3" "$1" "$Q1" "$2 | wc -l > '$SCRATCH/q1.$3'"
    Q1_TOOLS+=("$3")
}
# Q2: the sequential jq only; a parallel jq would interleave (and corrupt) long lines.
# Q3: output discarded, so there is no answer to check.

{ [[ $JQ_ONLY == 1 ]] || q1 daglog "$DL --ndjson '$CORPUS'" daglog; }
q1 jq "$JQ_SEQ '.events[]'" jq
q1 "jq (xargs -P$JQ_PAR)" "$JQ_PARX '.events[]'" jqpar

if [[ $JQ_ONLY != 1 ]]; then
    bench q2.daglog daglog "$Q2" "$DL --event-type FAILURE --ndjson '$CORPUS' > '$SCRATCH/q2.daglog'"
    Q2_TOOLS+=(daglog)
fi
bench q2.jq jq "$Q2" "$JQ_SEQ '$FAIL_FILTER' > '$SCRATCH/q2.jq'"
Q2_TOOLS+=(jq)

{ [[ $JQ_ONLY == 1 ]] || bench q3.daglog daglog "$Q3" "$DL --json '$CORPUS' > /dev/null"; }
bench q3.jq jq "$Q3" "$JQ_SEQ '.events[]' > /dev/null"
bench q3.jqpar "jq (xargs -P$JQ_PAR)" "$Q3" "$JQ_PARX '.events[]' > /dev/null"

# ---------------------------------------------------------------- answers

# Fill in the answer column of the Q1/Q2 rows: "<answer> ok" or "<answer> MISMATCH".
MISMATCH=0
declare -A ANSWER
for t in "${Q1_TOOLS[@]}"; do
    a=$(tr -d ' ' < "$SCRATCH/q1.$t")
    ANSWER["q1.$t"]="$a $([[ $a == "$EXPECT_EVENTS" ]] && echo ok || { echo MISMATCH; })"
    [[ $a == "$EXPECT_EVENTS" ]] || MISMATCH=1
done
Q2_REF=$(canon "$SCRATCH/q2.jq")
for t in "${Q2_TOOLS[@]}"; do
    a="$(canon "$SCRATCH/q2.$t") ($(wc -l < "$SCRATCH/q2.$t") lines)"
    ANSWER["q2.$t"]="$a $([[ ${a%% *} == "$Q2_REF" ]] && echo ok || echo MISMATCH)"
    [[ ${a%% *} == "$Q2_REF" ]] || MISMATCH=1
done
for i in "${!ROWS[@]}"; do
    key=${ROWS[$i]##*| @} key=${key%@ |}
    ROWS[i]=${ROWS[$i]/"@$key@"/${ANSWER[$key]:-—}}
done

# ---------------------------------------------------------------- report

mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
daglog_version=$([[ $JQ_ONLY == 1 ]] && echo "skipped (JQ_ONLY=1)" || "$DAGLOG" --version 2>/dev/null || echo "$DAGLOG")

cat <<EOF
# daglog vs jq

## Machine

- nproc: $(nproc)
- CPU: ${cpu:-unknown}
- memory: $mem_gib GiB
- kernel: $(uname -sr)
- jq: $(jq --version)
- daglog: $daglog_version
- peak RSS via: $([[ $TIMER == gnu ]] && echo "GNU time %M" || echo "python resource.getrusage")

## Corpus

\`$CORPUS\`: $(jq -r '"\(.files) page files, \(.bytes) bytes (\(.bytes / 1e6 | floor) MB), \(.events) events, \(.runs) runs, \(.compact_replicas) compact + \(.pretty_replicas) pretty replicas"' "$CORPUS/.manifest.json")

## Results

Median wall time of $RUNS runs after 1 warm-up (warm page cache). Throughput = corpus bytes / median (MB = 10^6 B).
Peak RSS = largest single process of the pipeline, max over the timed runs (MB = 2^20 B).
Q1 answer = event count (checked against .manifest.json); Q2 answer = md5 prefix of the sorted
\`runId, timestamp, eventType, stepKey\` tuples (checked against jq).

| tool | question | median s | MB/s | peak RSS MB | answer |
|---|---|---:|---:|---:|---|
EOF
printf '%s\n' "${ROWS[@]}"

if [[ $JQ_ONLY != 1 ]]; then
    echo
    for q in "$Q1" "$Q2" "$Q3"; do
        best=""
        for t in jq "jq (xargs -P$JQ_PAR)"; do
            m=${MEDIAN["$t|$q"]:-}
            [[ -n $m ]] && { [[ -z $best ]] || awk -v a="$m" -v b="$best" 'BEGIN { exit !(a < b) }'; } && best=$m
        done
        awk -v q="$q" -v d="${MEDIAN["daglog|$q"]}" -v j="$best" \
            'BEGIN { printf "- %s: daglog %.2f s vs best jq %.2f s (%.1fx)\n", q, d, j, j / d }'
    done
fi

if ((MISMATCH)); then
    echo
    echo "**Answers differ** (see the answer column)."
    exit 2
fi
