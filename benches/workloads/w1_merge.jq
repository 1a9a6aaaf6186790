# Sum the {eventType: count} objects of several w1.jq processes (jq -n -c -f w1_merge.jq PART...).
include "workloads" {search: "./"};
add_types(inputs)
