-- Q4 "run stats" in DuckDB: Dagster's RunStatsSnapshot figures per run, from events alone.
-- Run by q4_duckdb.py, which sets the variable `pages` to the glob of the page files
-- ('<corpus>/**/pages/page-*.json', the same selection as compare.sh's find).
--
-- read_json with explicit columns: only the three event fields the question needs are
-- materialised; DuckDB skips every other event key. Each page file is one JSON object
-- {"events":[...],"cursor":...,"hasMore":...}, so a row is a page and UNNEST gives events.
-- Timestamps are 13-digit epoch-ms strings: cast to BIGINT, then / 1000 gives float
-- seconds (DuckDB's / on integers is a float division). FILTERed count/min/max give
-- 0 / NULL for runs without such events. The earliest start and the latest end win if a
-- run had several. Every event counts: no de-duplication across export folders.
SELECT
    e.runId AS "runId",
    count(*) FILTER (WHERE e.eventType = 'STEP_SUCCESS') AS "stepsSucceeded",
    count(*) FILTER (WHERE e.eventType = 'STEP_FAILURE') AS "stepsFailed",
    count(*) FILTER (WHERE e.eventType = 'ASSET_MATERIALIZATION') AS "materializations",
    count(*) FILTER (WHERE e.eventType = 'STEP_EXPECTATION_RESULT') AS "expectations",
    count(*) AS "eventCount",
    min(e."timestamp"::BIGINT) FILTER (WHERE e.eventType IN ('RUN_START', 'PIPELINE_START'))
        / 1000 AS "startTime",
    max(e."timestamp"::BIGINT) FILTER (WHERE e.eventType IN (
        'RUN_SUCCESS', 'RUN_FAILURE', 'RUN_CANCELED',
        'PIPELINE_SUCCESS', 'PIPELINE_FAILURE', 'PIPELINE_CANCELED'))
        / 1000 AS "endTime"
FROM (
    SELECT unnest(events) AS e
    FROM read_json(
        getvariable('pages'),
        columns = {
            events: 'STRUCT(runId VARCHAR, "timestamp" VARCHAR, eventType VARCHAR)[]',
            -- Unused, but declaring them matters: with `events` as the only column,
            -- DuckDB 2.0.0 took 9x longer on this corpus (4.1 s instead of 0.45 s per 100 MB).
            cursor: 'VARCHAR', hasMore: 'BOOLEAN'
        },
        format = 'unstructured',  -- each file is one JSON value, compact or pretty
        -- largest page is ~0.5 MB; the default (16 MB) would do. Do not raise it far:
        -- read buffers are sized by it, and 1 GiB failed before reading a row with
        -- "failed to allocate data of size 2.0 GiB (18.0 GiB/18.8 GiB used)".
        maximum_object_size = 67108864
    )
)
GROUP BY e.runId
