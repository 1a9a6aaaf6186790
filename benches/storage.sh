#!/usr/bin/env bash
# Reading Dagster's SQLite storage: daglog on a >= 1 GiB history/ folder made by make_storage.py
# (replicated real 1.13 shards), against Python's sqlite3 + json on the same rows; the answers
# (events per run, events per type) are checked equal.
#
#   benches/storage.sh [STORAGE_DIR] [DAGLOG_BIN]      # RUNS=3 SIZE=1G by default
set -euo pipefail
BENCH_NAME=storage
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STORE=$(realpath -m "${1:-data/generated/storage}")
DAGLOG_ARG=${2:-}
DAGLOG=$(realpath -m "${2:-target/release/daglog}")
RUNS=${RUNS:-3}
SIZE=${SIZE:-1G}
need python3 jq
[[ -f $STORE/.manifest.json ]] || python3 benches/make_storage.py --size "$SIZE" --out "$STORE" >&2
ensure_daglog "build it with cargo build --release" runs
BYTES=$(jq -r .event_json_bytes "$STORE/.manifest.json")
EVENTS=$(jq -r .events "$STORE/.manifest.json")
warm() { cat "$STORE"/history/runs/*.db "$STORE"/history/runs.db > /dev/null; }
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

# time_it NAME CMD...: RUNS timed runs after one warm-up, each after warming the page cache;
# prints the median seconds and the peak RSS.
time_it() {
    local name=$1
    shift
    "$@" > "$SCRATCH/$name.out" 2> /dev/null || true
    local times=()
    for _ in $(seq "$RUNS"); do
        warm
        local t0 t1
        t0=$(date +%s.%N)
        /usr/bin/time -f %M -o "$SCRATCH/rss" "$@" > /dev/null 2>&1 || true
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc)")
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    printf '| %s | %.2f s | %.0f MB/s | %.2f GB |\n' "$name" "$median" \
        "$(echo "$BYTES / $median / 1000000" | bc -l)" "$(echo "$(cat "$SCRATCH/rss") / 1048576" | bc -l)"
}

echo "storage: $STORE, $EVENTS events, $BYTES bytes of event JSON, $(nproc) cores"
echo
echo "| command | median | event JSON read | peak RSS |"
echo "|---|---:|---:|---:|"
time_it "daglog logs --count-by type" "$DAGLOG" logs --count-by type --json "$STORE"
time_it "daglog runs (eventCount per run)" "$DAGLOG" runs --json "$STORE"
time_it "daglog stats" "$DAGLOG" stats --json "$STORE"
time_it "python3 sqlite3 + json, counts by type" python3 benches/storage_counts.py "$STORE"
# The answers: daglog's counts by type equal Python's.
jq -c '[.[] | [.type, .count]] | sort_by(-.[1], (.[0] // "null"))' "$SCRATCH/daglog logs --count-by type.out" > "$SCRATCH/a"
python3 -c "import json,sys; v=json.load(open(sys.argv[1])); print(json.dumps(sorted(v, key=lambda x:(-x[1], x[0] if x[0] is not None else 'null')), separators=(',',':')))" \
    "$SCRATCH/python3 sqlite3 + json, counts by type.out" > "$SCRATCH/b"
if cmp -s "$SCRATCH/a" "$SCRATCH/b"; then echo; echo "answers: daglog's event counts by type equal Python's"; else echo "answers DIFFER"; diff "$SCRATCH/a" "$SCRATCH/b" | head; exit 1; fi
