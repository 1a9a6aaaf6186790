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

BENCH_NAME=compare
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

script_args "$@"
JQ_PAR=${JQ_PAR:-$(nproc)}
JQ_ONLY=${JQ_ONLY:-0}

# ---------------------------------------------------------------- prerequisites

need jq
ensure_corpus
[[ $JQ_ONLY == 1 ]] || ensure_daglog "fix the build or run with JQ_ONLY=1" logs
setup_timer  # GNU time for peak RSS (installed if missing), else Python's resource.getrusage

# ---------------------------------------------------------------- measurement

BYTES=$(manifest bytes)
ROWS=()            # finished table rows, filled by bench

# bench KEY TOOL QUESTION CMD: 1 warm-up (fills the page cache), then RUNS timed runs
# (lib.sh's measure, keyed "TOOL|QUESTION"); adds the table row with median wall time,
# throughput over the corpus bytes and the max peak RSS. The answer column is left as
# @KEY@ and filled in once all answers are known.
bench() {
    local key=$1 tool=$2 q=$3
    measure "$tool|$q" "$tool: $q" "$4"
    ROWS+=("$(awk -v t="$tool" -v q="$q" -v m="${MEDIAN[$tool|$q]}" -v b="$BYTES" -v r="${RSS[$tool|$q]}" -v ans="@$key@" \
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

EXPECT_EVENTS=$(manifest events)
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

daglog_version=$([[ $JQ_ONLY == 1 ]] && echo "skipped (JQ_ONLY=1)" || "$DAGLOG" --version 2>/dev/null || echo "$DAGLOG")

cat <<EOF
# daglog vs jq

## Machine

$(machine_facts)
- daglog: $daglog_version
$(timer_fact)

## Corpus

$(corpus_facts)

## Results

Median wall time of $RUNS runs after 1 warm-up, each right after reading the whole corpus (warm page cache). Throughput = corpus bytes / median (MB = 10^6 B).
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
