# Merge the partial step records of several w2_part.jq processes into the W2 answer.
include "workloads" {search: "./"};
[inputs] | merge_steps | step_duration
