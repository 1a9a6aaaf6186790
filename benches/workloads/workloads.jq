# Workloads W1-W4 in jq: definitions shared by the w*.jq programs (defs only; a module).
# Input is EventConnection pages ({"events":[...],"cursor":...,"hasMore":...}), any number,
# in any order. Event timestamps are 13-digit epoch-ms strings (exact as jq doubles).
#
# As in ../stats/q4.jq, nothing is reduced event by event into one big object (jq 1.6
# copies an object on every `.[$k] |= f`): each page is reduced on its own, with
# group_by (a sort), and the small page results are merged at the end.

# ---- W1 event counts by type; log lines (eventType null) count as "LOG"

# {eventType: count} of one page.
def page_types:
  [.events[] | .eventType // "LOG"] | group_by(.) | map({key: .[0], value: length}) | from_entries;

# A stream of {eventType: count} objects -> their sum (exact for any split).
def add_types(objs): reduce (objs | to_entries[]) as $e ({}; .[$e.key] += $e.value);

# ---- W2 per-step durations

def step_end: . == "STEP_SUCCESS" or . == "STEP_FAILURE" or . == "STEP_SKIPPED";

# Partial records {runId, stepKey, start, end} of one page: the page's first STEP_START
# and last STEP_SUCCESS/FAILURE/SKIPPED of each step, in ms (null if none on the page).
def page_steps:
  [.events[] | select(.eventType == "STEP_START" or (.eventType | step_end))]
  | group_by([.runId, .stepKey])[]
  | { runId: .[0].runId, stepKey: .[0].stepKey,
      start: (map(select(.eventType == "STEP_START") | .timestamp | tonumber) | min),
      end: (map(select(.eventType != "STEP_START") | .timestamp | tonumber) | max) };

# An array of partial records -> one per step (earliest start, latest end; exact for any split).
def merge_steps:
  group_by([.runId, .stepKey])[]
  | { runId: .[0].runId, stepKey: .[0].stepKey,
      start: (map(.start | values) | min), end: (map(.end | values) | max) };

# A merged record -> the answer line, for steps that have both a start and an end.
def step_duration: select(.start != null and .end != null) | {runId, stepKey, durationMs: (.end - .start)};

# ---- W3 failure events

def failure_events: .events[] | select(.eventType != null and (.eventType | contains("FAILURE")));

# ---- W4 largest gap per run

# {runId, ts: [ms...]} of one page, per run.
def page_times: [.events[] | {runId, ts: (.timestamp | tonumber)}] | group_by(.runId)[] | {runId: .[0].runId, ts: map(.ts)};

# An array of {runId, ts} records holding ALL of each run's events -> {runId, largestGapMs}.
def largest_gaps:
  group_by(.runId)[]
  | {runId: .[0].runId, largestGapMs: ([.[].ts[]] | sort | . as $t
      | [range(1; length) | $t[.] - $t[. - 1]] | max // 0)};
