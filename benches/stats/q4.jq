# Q4 "run stats" in jq: definitions shared by stats.jq and merge.jq (defs only; a module).
#
# A run record is Dagster's RunStatsSnapshot figures computed from events alone:
#   {runId, stepsSucceeded, stepsFailed, materializations, expectations, eventCount,
#    startTime, endTime}
# Counts are of events with exactly that eventType (ASSET_MATERIALIZATION_PLANNED is not a
# materialization); eventCount counts every event, log lines (eventType null) included.
# startTime/endTime are float epoch seconds (event timestamps are epoch-ms strings) of the
# RUN_START/PIPELINE_START and terminal RUN_*/PIPELINE_* events, or null; the earliest start
# and the latest end if a run had several. Every event counts: no de-duplication.
#
# Why per page first: in jq 1.6 every `.[$k] |= f` on an object copies the object, so
# one reduce over all events into a map of ~10,000 runs is quadratic (minutes). Instead
# each page is reduced into its own small map (usually 1 run), the page records are
# collected into an array and grouped with group_by (a sort), and each group is summed.

def secs: tonumber / 1000;

# The run records of one EventConnection page (one per run id on the page).
def page_runs:
  reduce .events[] as $e ({};
    .[$e.runId] |= (
      (. // {runId: $e.runId, stepsSucceeded: 0, stepsFailed: 0, materializations: 0,
             expectations: 0, eventCount: 0, startTime: null, endTime: null})
      | .eventCount += 1
      | $e.eventType as $t
      | if $t == null then .
        elif $t == "STEP_SUCCESS" then .stepsSucceeded += 1
        elif $t == "STEP_FAILURE" then .stepsFailed += 1
        elif $t == "ASSET_MATERIALIZATION" then .materializations += 1
        elif $t == "STEP_EXPECTATION_RESULT" then .expectations += 1
        elif $t == "RUN_START" or $t == "PIPELINE_START" then
          .startTime = ([.startTime // empty, ($e.timestamp | secs)] | min)
        elif $t == "RUN_SUCCESS" or $t == "RUN_FAILURE" or $t == "RUN_CANCELED"
          or $t == "PIPELINE_SUCCESS" or $t == "PIPELINE_FAILURE" or $t == "PIPELINE_CANCELED" then
          .endTime = ([.endTime // empty, ($e.timestamp | secs)] | max)
        else . end))
  | .[];

# Fold run record $r into the record of the same run (null for the first one). Exact and
# order-independent: counts add up, the earliest start and the latest end win.
def add_run($r):
  if . == null then $r
  else .stepsSucceeded += $r.stepsSucceeded
     | .stepsFailed += $r.stepsFailed
     | .materializations += $r.materializations
     | .expectations += $r.expectations
     | .eventCount += $r.eventCount
     | .startTime = ([.startTime, $r.startTime | values] | min)
     | .endTime = ([.endTime, $r.endTime | values] | max)
  end;

# An array of (partial) run records -> one merged record per run id.
def merge_runs: group_by(.runId)[] | reduce .[] as $r (null; add_run($r));
