# Canonical TSV lines of a workload answer (use with -r and --arg w w1|w2|w3|w4), for
# comparing tools; pipe through `LC_ALL=C sort` before hashing.
#
#   w1  input: one object {eventType: count}      -> eventType  count
#   w2  input: {runId, stepKey, durationMs} lines -> runId  stepKey  durationMs
#   w3  input: event lines (NDJSON)               -> runId  timestamp  eventType  stepKey
#   w4  input: {runId, largestGapMs} lines        -> runId  largestGapMs
#
# Numbers must be integers (printed without a fraction); anything else prints as BAD:...
# so that it cannot match.

def int: if type == "number" and . == floor then tostring else "BAD:\(tojson)" end;

if $w == "w1" then to_entries[] | [.key, (.value | int)]
elif $w == "w2" then [.runId, .stepKey, (.durationMs | int)]
elif $w == "w3" then [.runId, .timestamp, .eventType, .stepKey]
elif $w == "w4" then [.runId, (.largestGapMs | int)]
else error("unknown workload \($w)") end
| @tsv
