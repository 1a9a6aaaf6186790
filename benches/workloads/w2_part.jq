# W2 partial step records {runId, stepKey, start, end} of some pages (one jq of xargs -P);
# merge all processes' output with w2_merge.jq.
include "workloads" {search: "./"};
[inputs | page_steps] | merge_steps
