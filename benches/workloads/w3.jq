# W3 failure events (eventType containing "FAILURE") as NDJSON, whole events:
#   jq -n -c -f w3.jq PAGE...   or   cat PAGE... | jq -n -c -f w3.jq
include "workloads" {search: "./"};
inputs | failure_events
