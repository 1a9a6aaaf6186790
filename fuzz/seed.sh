#!/usr/bin/env bash
# Seeds each target's corpus with the project's own fixtures: real pages,
# raw responses, NDJSON, run records and debug bundles of real Dagster runs
# (fixtures/), capped at 256 KB a file so runs stay fast.
set -euo pipefail
cd "$(dirname "$0")"
for target in readers_agree invalid_json_is_said parse_anything; do
    mkdir -p "corpus/$target"
    find ../fixtures ../data/sample -type f \( -name '*.json' -o -name '*.ndjson' -o -name '*.jsonl' -o -name '*.gz' \) \
        -size -256k -print0 |
        while IFS= read -r -d '' f; do
            cp "$f" "corpus/$target/$(echo "$f" | md5sum | cut -c1-16)"
        done
done
echo "seeded: $(ls corpus/readers_agree | wc -l) files per target"
