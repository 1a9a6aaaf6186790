# W4 largest gap per run: {runId, largestGapMs} lines. The input must hold every page of each
# run it mentions (one jq over all pages, or whole run folders per process).
include "workloads" {search: "./"};
[inputs | page_times] | largest_gaps
