#!/usr/bin/env bash
# Issue 5's benchmark: four whole-archive workloads over one generated corpus, timed with
# daglog, jq, DuckDB, Polars and plain Python, every answer checked against the others.
# Prints a Markdown report like compare_stats.sh's.
#
#   W1 event counts by type       W2 per-step durations
#   W3 failure events as NDJSON   W4 largest gap between consecutive events, per run
#
# usage: benches/workloads.sh [CORPUS_DIR] [DAGLOG_BIN]
#   CORPUS_DIR  default data/generated/corpus (built with make_corpus.py if missing)
#   DAGLOG_BIN  default target/release/daglog (built with cargo if missing or without
#               the stats, logs and gaps subcommands)
# env:  RUNS=3       timed runs per command (after 1 warm-up); the median is reported
#       SIZE=1G      corpus size when the corpus has to be built
#       PAR=nproc    parallelism of the jq xargs -P, DuckDB and Python -j variants
#       ONLY="w1 w3" only these workloads (default: w1 w2 w3 w4)
#       SKIP="jq jqpar"  leave out these tools: daglog jq jqpar duckdb polars python pypar
#       VENV=target/bench-venv  virtualenv that gets benches/stats/requirements.txt
# Relative paths are relative to the repo root. Exits 2 with MISMATCH if any answer differs.
set -euo pipefail

BENCH_NAME=workloads
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

script_args "$@"
PAR=${PAR:-$(nproc)}
ONLY=${ONLY:-w1 w2 w3 w4}
SKIP=${SKIP:-}
VENV=$(realpath -m "${VENV:-target/bench-venv}")
WL=$REPO/benches/workloads

skipped() { [[ " $SKIP " == *" $1 "* ]]; }

# ---------------------------------------------------------------- prerequisites

need jq python3 find xargs md5sum
ensure_corpus
skipped daglog || ensure_daglog "fix the build or run with SKIP=daglog" stats logs gaps
if skipped duckdb && skipped polars; then
    VENV_PY=""
else
    ensure_venv "run with SKIP=\"duckdb polars\""
fi
setup_timer
check_one_run_folder

BYTES=$(manifest bytes)
EXPECT_EVENTS=$(manifest events)
EXPECT_RUNS=$(manifest runs)
DUCK_VERSION=$(skipped duckdb && echo skipped || "$VENV_PY" -c 'import duckdb; print(duckdb.__version__)')
POLARS_VERSION=$(skipped polars && echo skipped || "$VENV_PY" -c 'import polars; print(polars.__version__)')

declare -A WNAME=(
    [w1]="W1 event counts by type"
    [w2]="W2 per-step durations"
    [w3]="W3 failure events as NDJSON"
    [w4]="W4 largest gap per run"
)
declare -A TNAME=(
    [daglog]=daglog
    [jq]=jq
    [jqpar]="jq (xargs -P$PAR)"
    [duckdb]="DuckDB $DUCK_VERSION ($PAR threads)"
    [polars]="Polars $POLARS_VERSION"
    [python]="Python json"
    [pypar]="Python json (-j $PAR)"
)
TOOL_ORDER=(daglog jq jqpar duckdb polars python pypar)

# ---------------------------------------------------------------- commands

# Only page files: the corpus root also holds .manifest.json.
PAGES="find '$CORPUS' -path '*/pages/page-*.json' -print0"
DL="'$DAGLOG'"
PARTS=$SCRATCH/parts
# Each parallel jq writes a file of its own: jq flushes stdout in blocks, so several jq
# sharing one pipe would interleave and corrupt long records (see compare_stats.sh).
FRESH_PARTS="rm -rf '$PARTS' && mkdir '$PARTS'"
TO_PART="> \"\$(mktemp -p \"$PARTS\")\""

# cmd W TOOL: the command line of one tool for one workload (answer on stdout).
cmd() {
    local w=$1 t=$2
    case $t in
    daglog)
        case $w in
        # --count-by prints the reference recipe's [{type, count}] (null for log lines).
        w1) echo "$DL logs -q '$CORPUS' --count-by type --json | jq -c 'map({key: (.type // \"LOG\"), value: .count}) | from_entries'" ;;
        # One line per step; steps that never ran have "durationMs":null (a key or value
        # containing that text would be escaped, \"durationMs\", so grep drops only those).
        w2) echo "$DL stats -q '$CORPUS' --steps --ndjson | grep -v '\"durationMs\":null'" ;;
        w3) echo "$DL logs -q '$CORPUS' --event-type FAILURE --ndjson" ;;
        # --gap 0: every run (gaps lists only runs with a silence of at least --gap).
        w4) echo "$DL gaps -q '$CORPUS' --json --top 1 --gap 0 | jq -c '.runs[] | {runId, largestGapMs}'" ;;
        esac ;;
    # One jq process over all pages (cat, because xargs could split the list over several jq).
    jq) echo "$PAGES | xargs -0 cat | jq -n -c -f '$WL/$w.jq'" ;;
    jqpar)
        case $w in
        # Partial results of 256 pages each, merged exactly (sums; min/max).
        w1) echo "$FRESH_PARTS && $PAGES | xargs -0 -P$PAR -n 256 sh -c 'jq -n -c -f \"$WL/w1.jq\" \"\$@\" $TO_PART' sh &&
                  jq -n -c -f '$WL/w1_merge.jq' '$PARTS'/*" ;;
        w2) echo "$FRESH_PARTS && $PAGES | xargs -0 -P$PAR -n 256 sh -c 'jq -n -c -f \"$WL/w2_part.jq\" \"\$@\" $TO_PART' sh &&
                  jq -n -c -f '$WL/w2_merge.jq' '$PARTS'/*" ;;
        w3) echo "$FRESH_PARTS && $PAGES | xargs -0 -P$PAR -n 256 sh -c 'jq -n -c -f \"$WL/w3.jq\" \"\$@\" $TO_PART' sh &&
                  cat '$PARTS'/*" ;;
        # A gap needs all of a run's events: whole run folders per jq (every run is in one
        # folder, checked above), so each process's runs are final and merging is cat.
        w4) echo "$FRESH_PARTS && find '$CORPUS' -type d -name pages -print0 |
                  xargs -0 -P$PAR -n 64 sh -c 'for d; do cat \"\$d\"/page-*.json; done | jq -n -c -f \"$WL/w4.jq\" $TO_PART' sh &&
                  cat '$PARTS'/*" ;;
        esac ;;
    duckdb) echo "'$VENV_PY' '$WL/w_duckdb.py' --threads $PAR $w '$CORPUS'" ;;
    polars) echo "'$VENV_PY' '$WL/w_polars.py' $w '$CORPUS'" ;;
    python) echo "python3 '$WL/w_python.py' $w '$CORPUS'" ;;
    pypar) echo "python3 '$WL/w_python.py' -j $PAR $w '$CORPUS'" ;;
    esac
}

KEYS=() # "w|tool", in run order
for w in $ONLY; do
    [[ -n ${WNAME[$w]:-} ]] || { log "unknown workload $w (ONLY takes w1 w2 w3 w4)"; exit 1; }
    for t in "${TOOL_ORDER[@]}"; do
        skipped "$t" && continue
        measure "$w|$t" "${WNAME[$w]}: ${TNAME[$t]}" "$(cmd "$w" "$t") > '$SCRATCH/$w.$t.out'"
        KEYS+=("$w|$t")
    done
done

# ---------------------------------------------------------------- answers

# Canonical answer: normalise.jq's TSV lines, sorted bytewise, md5. Every tool must give the
# md5 of plain Python (the simplest code), or of the first tool run if Python is skipped.
# Also: W1's counts add up to the manifest's events, W4 has one line per manifest run.
MISMATCH=0
declare -A ANSWER
for w in $ONLY; do
    ref=""
    for t in python "${TOOL_ORDER[@]}"; do
        [[ -f $SCRATCH/$w.$t.out ]] && { ref=$t; break; }
    done
    for key in "${KEYS[@]}"; do
        [[ ${key%%|*} == "$w" ]] || continue
        t=${key#*|}
        { jq -r --arg w "$w" -f "$WL/normalise.jq" "$SCRATCH/$w.$t.out" || echo "unparsable output"; } |
            LC_ALL=C sort > "$SCRATCH/$w.$t.tsv"
    done
    ref_md5=$(md5sum < "$SCRATCH/$w.$ref.tsv" | cut -c1-12)
    for key in "${KEYS[@]}"; do
        [[ ${key%%|*} == "$w" ]] || continue
        t=${key#*|}
        md5=$(md5sum < "$SCRATCH/$w.$t.tsv" | cut -c1-12)
        lines=$(wc -l < "$SCRATCH/$w.$t.tsv")
        ok=1 extra="" want=""
        [[ $md5 == "$ref_md5" ]] || ok=0
        case $w in
        w1)
            total=$(awk -F'\t' '{ s += $2 } END { printf "%d", s }' "$SCRATCH/$w.$t.tsv")
            extra=", $total events" want="$EXPECT_EVENTS events"
            [[ $total == "$EXPECT_EVENTS" ]] || ok=0 ;;
        w2) extra=" steps" ;;
        w3) extra=" events" ;;
        w4)
            extra=" runs" want="$EXPECT_RUNS runs"
            [[ $lines == "$EXPECT_RUNS" ]] || ok=0 ;;
        esac
        [[ $w == w1 ]] && ANSWER[$key]="$md5 ($lines types$extra)" || ANSWER[$key]="$md5 ($lines$extra)"
        if ((ok)); then
            ANSWER[$key]+=" ok"
        else
            ANSWER[$key]+=" MISMATCH" MISMATCH=1
            log "${WNAME[$w]}, ${TNAME[$t]}: ${ANSWER[$key]}; expected $ref_md5 (${TNAME[$ref]})${want:+, $want}"
            [[ $t == "$ref" ]] || diff "$SCRATCH/$w.$ref.tsv" "$SCRATCH/$w.$t.tsv" | head -n 6 >&2 || true
        fi
    done
done

# ---------------------------------------------------------------- report

daglog_version=$(skipped daglog && echo "skipped" || "$DAGLOG" --version 2>/dev/null || echo "$DAGLOG")

cat <<EOF
# Workloads W1-W4: daglog vs jq, DuckDB, Polars, Python

## Machine

$(machine_facts)
- python: $(python3 -c 'import platform; print(platform.python_version())')
- duckdb: $DUCK_VERSION
- polars: $POLARS_VERSION
- daglog: $daglog_version
$(timer_fact)

## Corpus

$(corpus_facts).
Every run id is in exactly one run folder ($N_RUN_DIRS folders), so no run needs merging across exports.

## Results

Median wall time of $RUNS runs after 1 warm-up, each right after reading the whole corpus (warm page cache). Throughput = corpus bytes / median (MB = 10^6 B).
Peak RSS = largest single process of the pipeline, max over the timed runs (MB = 2^20 B).
**daglog speed-up = the tool's median / daglog's median: above 1, daglog is faster.**
Answer = md5 prefix of the sorted normalised TSV (benches/workloads/normalise.jq), checked against plain Python;
W1 also against the manifest's $EXPECT_EVENTS events, W4 against its $EXPECT_RUNS runs.

| workload | tool | median s | MB/s | peak RSS MB | daglog speed-up | answer |
|---|---|---:|---:|---:|---:|---|
EOF
for key in "${KEYS[@]}"; do
    w=${key%%|*} t=${key#*|}
    awk -v w="${WNAME[$w]}" -v n="${TNAME[$t]}" -v m="${MEDIAN[$key]}" -v b="$BYTES" -v r="${RSS[$key]}" \
        -v a="${ANSWER[$key]}" -v d="$([[ $t == daglog ]] || echo "${MEDIAN[$w|daglog]:-}")" \
        'BEGIN { printf "| %s | %s | %.2f | %.0f | %s | %s | %s |\n", w, n, m, b / 1e6 / m,
                 r ? sprintf("%.0f", r / 1024) : "?", d == "" ? "—" : sprintf("%.1fx", m / d), a }'
done

# Targets of issue 5, per workload. Each tool family is judged by its faster variant
# (jq or jq xargs -P; Python json or -j), the stricter reading.
if ! skipped daglog; then
    echo
    echo "## Targets"
    echo
    echo "daglog ≥30x jq, ≥10x DuckDB, ≥3x plain Python, ≥1 GB/s (1000 MB/s). Speed-up over the faster"
    echo "variant of each tool (jq or jq xargs -P; Python json or -j), the sequential one in brackets."
    echo
    echo "| workload | daglog MB/s (≥1000) | vs jq (≥30x) | vs DuckDB (≥10x) | vs Python (≥3x) |"
    echo "|---|---:|---:|---:|---:|"
    for w in $ONLY; do
        d=${MEDIAN[$w|daglog]:-}
        [[ -n $d ]] || continue
        # target W SEQ PAR GOAL: "12.3x (9.8x) met" from the faster of SEQ and PAR
        target() {
            local s=${MEDIAN[$1|$2]:-} p=${MEDIAN[$1|$3]:-}
            awk -v d="$d" -v s="$s" -v p="$p" -v g="$4" -v two="$3" 'BEGIN {
                if (s == "" && p == "") { print "—"; exit }
                best = s == "" ? p : (p == "" || s + 0 < p + 0) ? s : p
                x = best / d
                printf "%.1fx%s %s", x, ((two != "" && s != "" && p != "") ? sprintf(" (%.1fx)", s / d) : ""),
                    ((x >= g) ? "met" : "**not met**") }'
        }
        mbs=$(awk -v b="$BYTES" -v d="$d" 'BEGIN { m = b / 1e6 / d; printf "%.0f %s", m, ((m >= 1000) ? "met" : "**not met**") }')
        echo "| ${WNAME[$w]} | $mbs | $(target "$w" jq jqpar 30) | $(target "$w" duckdb "" 10) | $(target "$w" python pypar 3) |"
    done
fi

if ((MISMATCH)); then
    echo
    echo "**Answers differ** (MISMATCH in the answer column)."
    exit 2
fi
