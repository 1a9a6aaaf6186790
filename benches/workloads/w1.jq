# W1 event counts by type over pages (jq -n -c -f w1.jq PAGE... or cat PAGE... | jq -n -c -f w1.jq):
# one object {eventType: count}. Partial objects of several jq processes: merge with w1_merge.jq.
include "workloads" {search: "./"};
add_types(inputs | page_types)
