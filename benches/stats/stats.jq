# Q4 "run stats" over EventConnection pages, any number, in any order (see q4.jq):
#
#   jq -n -c -f stats.jq PAGE...            or   cat PAGE... | jq -n -c -f stats.jq
#
# Prints one run record per run id. When a run's pages are split over several jq
# processes (xargs -P), each prints a partial record for it: pipe them into merge.jq.
include "q4" {search: "./"};

[inputs | page_runs] | merge_runs
