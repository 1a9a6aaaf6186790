# W2 per-step durations over pages: {runId, stepKey, durationMs} lines (see workloads.jq).
include "workloads" {search: "./"};
[inputs | page_steps] | merge_steps | step_duration
