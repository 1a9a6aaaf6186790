# Canonical TSV line of one Q4 run record (use with -r), for comparing tools' answers:
#   runId  stepsSucceeded  stepsFailed  materializations  expectations  eventCount  startTime  endTime
# Times are rounded to the millisecond and printed as seconds with exactly 3 decimals
# (1795501835.8589999 -> 1795501835.859); a missing time prints as "null". Counts print
# as integers. Fields other than these eight (steps, jobName, status, ...) are ignored.
# Pipe the output through `LC_ALL=C sort` before hashing.

def count: if type == "number" then floor | tostring else "BAD:\(tojson)" end;
def ms:
  if . == null then "null"
  elif type == "number" then
    (. * 1000 | round | tostring) as $s
    | if ($s | test("^[0-9]{4,}$")) then $s[:-3] + "." + $s[-3:] else "BAD:\($s)" end
  else "BAD:\(tojson)" end;

[ .runId,
  (.stepsSucceeded | count), (.stepsFailed | count), (.materializations | count),
  (.expectations | count), (.eventCount | count),
  (.startTime | ms), (.endTime | ms) ]
| @tsv
