# Merge the partial run records of several stats.jq processes into one record per run:
#
#   find ... -print0 | xargs -0 -P2 -n 256 jq -n -c -f stats.jq | jq -n -c -f merge.jq
#
# Exact whatever the split and the order (sums, min, max; see add_run in q4.jq).
include "q4" {search: "./"};

[inputs] | merge_runs
