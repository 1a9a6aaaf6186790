# Shell functions shared by compare.sh, compare_stats.sh and workloads.sh. Source it from a
# script that runs under `set -euo pipefail` after setting BENCH_NAME (the prefix of log lines):
#
#   BENCH_NAME=workloads
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets REPO (the repo root) and changes into it, so relative paths are relative to the
# repo root. The functions read and set these globals:
#   CORPUS SIZE          corpus dir and the size to build if it has no .manifest.json
#   DAGLOG DAGLOG_ARG    daglog binary, and the binary argument as given (empty: the default)
#   VENV VENV_PY         virtualenv for benches/stats/requirements.txt, and its python
#   RUNS                 timed runs per command (after 1 warm-up)
#   SCRATCH              temporary dir, removed on exit
#   TIMER                gnu (GNU time %M) or python (resource.getrusage)
#   MEDIAN[key] RSS[key] results of `measure`: median seconds, max peak RSS in KiB (0: unknown)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

log() { echo "${BENCH_NAME:-bench}: $*" >&2; }

# need CMD...: stop unless every command is on PATH.
need() {
    local c
    for c; do command -v "$c" >/dev/null || { log "$c is required"; exit 1; }; done
}

# ---------------------------------------------------------------- inputs

# script_args [CORPUS_DIR] [DAGLOG_BIN]: the arguments and environment every script takes.
script_args() {
    CORPUS=$(realpath -m "${1:-data/generated/corpus}")
    DAGLOG_ARG=${2:-}
    DAGLOG=$(realpath -m "${2:-target/release/daglog}")
    RUNS=${RUNS:-3}
    SIZE=${SIZE:-1G}
}

# ensure_corpus: build $CORPUS (make_corpus.py --size $SIZE) unless it has a .manifest.json.
ensure_corpus() {
    if [[ ! -f $CORPUS/.manifest.json ]]; then
        log "no corpus at $CORPUS, building one of $SIZE"
        python3 benches/make_corpus.py --out "$CORPUS" --size "$SIZE" >&2
    fi
}

# manifest FIELD: a field of the corpus' .manifest.json.
manifest() { jq -r ".$1" "$CORPUS/.manifest.json"; }

# ensure_daglog HINT [SUBCOMMAND...]: $DAGLOG must be executable and know every SUBCOMMAND.
# If not and no binary was named on the command line (DAGLOG_ARG empty), run
# `cargo build --release -p daglog-cli` once; if that does not help, stop with HINT.
ensure_daglog() {
    local hint=$1
    shift
    if ! daglog_has "$@"; then
        if [[ -z ${DAGLOG_ARG:-} ]]; then
            log "building daglog (cargo build --release -p daglog-cli)"
            cargo build --release -p daglog-cli >&2 || true
        fi
        if ! daglog_has "$@"; then
            log "$DAGLOG is missing or lacks a subcommand of: ${*:-(none)}; $hint"
            exit 1
        fi
    fi
}
daglog_has() {
    [[ -x $DAGLOG ]] || return 1
    local s
    for s; do "$DAGLOG" "$s" --help >/dev/null 2>&1 || return 1; done
}

# ensure_venv HINT: the virtualenv $VENV with benches/stats/requirements.txt (pinned DuckDB and
# Polars) installed; sets VENV_PY. Stops with HINT if venv or pip fails (e.g. no PyPI).
ensure_venv() {
    local hint=$1
    if [[ ! -x $VENV/bin/python ]]; then
        log "creating $VENV"
        python3 -m venv "$VENV" >&2 || { log "python3 -m venv failed; $hint"; exit 1; }
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r benches/stats/requirements.txt >&2 ||
        { log "pip install -r benches/stats/requirements.txt failed; $hint"; exit 1; }
    VENV_PY=$VENV/bin/python
}

# check_one_run_folder: stop unless every run id of the corpus is in exactly one run folder
# (<case>/<runId>/pages) and there are as many folders as .manifest.json has runs. daglog
# merges several exports of one run (an event identical in runId, timestamp, eventType,
# stepKey and message across export folders counts once), the other tools count every
# event; make_corpus.py leaves out the only such second export of the real data (the
# f1_hang in-progress snapshot). Sets N_RUN_DIRS.
check_one_run_folder() {
    local dirs dup
    dirs=$(find "$CORPUS" -type d -name pages -printf '%h\n' | awk -F/ '{ print $NF }' | LC_ALL=C sort)
    dup=$(uniq -d <<<"$dirs" | head -n 5)
    N_RUN_DIRS=$(wc -l <<<"$dirs")
    if [[ -n $dup ]]; then
        log "run ids exported in more than one folder, e.g.:"
        echo "$dup" >&2
        log "daglog would merge their events, the other tools would count them twice;"
        log "this benchmark needs a corpus from make_corpus.py, which leaves such snapshots out"
        exit 1
    fi
    if [[ $N_RUN_DIRS != "$(manifest runs)" ]]; then
        log "$N_RUN_DIRS run folders but .manifest.json says $(manifest runs) runs"
        exit 1
    fi
}

# ---------------------------------------------------------------- measurement

# setup_timer: TIMER=gnu if GNU time works (installed with apt-get when missing and root),
# else TIMER=python (resource.getrusage(RUSAGE_CHILDREN), the same figure). Also creates
# SCRATCH and MEM_KB (physical memory, to drop impossible RSS readings).
setup_timer() {
    if ! /usr/bin/time -f %M true >/dev/null 2>&1 && command -v apt-get >/dev/null && [[ $EUID == 0 ]]; then
        log "installing GNU time"
        { apt-get install -y -qq time || { apt-get update -qq && apt-get install -y -qq time; }; } >&2 || true
    fi
    if /usr/bin/time -f %M true >/dev/null 2>&1; then TIMER=gnu; else TIMER=python; fi
    SCRATCH=$(mktemp -d)
    trap 'rm -rf "$SCRATCH"' EXIT
    MEM_KB=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
    declare -gA MEDIAN RSS
}

# time_once CMD: run CMD under bash (with pipefail), set WALL (seconds) and RSS_KB. %M is
# the largest single process of the pipeline (wait4 folds in reaped descendants), not the
# sum of concurrent ones. A failing CMD stops the script with its exit status.
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
        python3 -c '
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(["bash", "-c", sys.argv[1]])
wall = time.perf_counter() - t
with open(sys.argv[2], "w") as f:
    print(f"{wall:.3f}", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=f)
sys.exit(rc)' "$cmd" "$SCRATCH/timing" || { local rc=$?; log "command failed (exit $rc): $1"; exit "$rc"; }
        read -r WALL RSS_KB < "$SCRATCH/timing"
    fi
}

# warm_corpus: read every corpus file into the page cache. Before each timed run, because
# "warm" must mean the same for every tool: this VM's DAMON reclaim (kdamond, action
# pageout) evicts page cache idle for a few seconds, 7 % of the corpus within 20 s, and a
# run after a slow tool would otherwise read part of the corpus from disk.
warm_corpus() {
    find "$CORPUS" -type f -print0 | xargs -0 cat >/dev/null
}

# measure KEY LABEL CMD: 1 warm-up run, then RUNS timed runs, each right after warm_corpus.
# Sets MEDIAN[KEY] (seconds, 3 decimals) and RSS[KEY] (max peak RSS, KiB; readings above
# physical memory, which this VM's kernel occasionally returns, are dropped).
measure() {
    local key=$1 label=$2 cmd=$3 walls=() rss=0 i
    log "$label"
    time_once "$cmd"
    for ((i = 0; i < RUNS; i++)); do
        warm_corpus
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
    RSS[$key]=$rss
}

# ---------------------------------------------------------------- report

# machine_facts: the "- key: value" lines every report starts with (tools are added by the caller).
machine_facts() {
    local mem_gib cpu
    mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "- nproc: $(nproc)"
    echo "- CPU: ${cpu:-unknown}"
    echo "- memory: $mem_gib GiB"
    echo "- kernel: $(uname -sr)"
    echo "- jq: $(jq --version)"
}

# timer_fact: the "peak RSS via" line.
timer_fact() {
    echo "- peak RSS via: $([[ $TIMER == gnu ]] && echo "GNU time %M" || echo "python resource.getrusage")"
}

# corpus_facts: one line on the corpus, from .manifest.json.
corpus_facts() {
    echo "\`$CORPUS\`: $(jq -r '"\(.files) page files, \(.bytes) bytes (\(.bytes / 1e6 | floor) MB), \(.events) events, \(.runs) runs, \(.compact_replicas) compact + \(.pretty_replicas) pretty replicas"' "$CORPUS/.manifest.json")"
}
