#!/usr/bin/env python3
"""Workloads W1-W4 with DuckDB (Python package): one SQL query over the page files.

usage: w_duckdb.py [--threads N] {w1,w2,w3,w4} CORPUS_DIR > answer

Output as w_python.py's. The page files are read with ``read_json`` over the glob
``<corpus>/**/pages/page-*.json`` (the selection of the other tools' ``find``), one row per
page, ``UNNEST(events)`` giving one row per event. As in ../stats/q4.sql, only the event
fields a query needs are declared (``columns``), with the unused top-level keys ``cursor``
and ``hasMore`` declared too (much faster than ``events`` alone). w3 must print whole
events, so it declares ``events`` as ``JSON[]``: DuckDB hands each event back as compact
JSON text. Timestamps are 13-digit epoch-ms strings, cast to BIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import duckdb


def source(event_fields: str) -> str:
    return f"""
    (SELECT unnest(events) AS e
     FROM read_json(getvariable('pages'),
         columns = {{events: '{event_fields}', cursor: 'VARCHAR', hasMore: 'BOOLEAN'}},
         format = 'unstructured',            -- each file is one JSON value, compact or pretty
         maximum_object_size = 67108864))    -- see ../stats/q4.sql: do not raise it far
    """


SQL = {
    # Event counts by type; log lines (eventType NULL) count as LOG.
    "w1": f"""
        SELECT coalesce(e.eventType, 'LOG') AS eventType, count(*) AS n
        FROM {source('STRUCT(eventType VARCHAR)[]')}
        GROUP BY 1""",
    # Per step: last end - first STEP_START, for steps that have both.
    "w2": f"""
        SELECT e.runId AS "runId", e.stepKey AS "stepKey",
               max(e."timestamp"::BIGINT) FILTER (WHERE e.eventType <> 'STEP_START')
             - min(e."timestamp"::BIGINT) FILTER (WHERE e.eventType = 'STEP_START') AS "durationMs"
        FROM {source('STRUCT(runId VARCHAR, "timestamp" VARCHAR, eventType VARCHAR, stepKey VARCHAR)[]')}
        WHERE e.eventType IN ('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE', 'STEP_SKIPPED')
        GROUP BY 1, 2
        HAVING "durationMs" IS NOT NULL""",
    # Whole failure events, as compact JSON text.
    "w3": f"""
        SELECT e
        FROM {source('JSON[]')}
        WHERE contains(e->>'eventType', 'FAILURE')""",
    # Largest difference between consecutive events of a run (0 for a run of one event).
    "w4": f"""
        SELECT "runId", coalesce(max(gap), 0) AS "largestGapMs"
        FROM (SELECT e.runId AS "runId",
                     e."timestamp"::BIGINT - lag(e."timestamp"::BIGINT)
                         OVER (PARTITION BY e.runId ORDER BY e."timestamp"::BIGINT) AS gap
              FROM {source('STRUCT(runId VARCHAR, "timestamp" VARCHAR)[]')})
        GROUP BY 1""",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=sorted(SQL))
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    con.execute("SET preserve_insertion_order = false")  # no ORDER BY: any order will do
    con.execute("SET VARIABLE pages = $p",
                {"p": os.path.join(os.path.abspath(args.corpus), "**", "pages", "page-*.json")})
    cur = con.execute(SQL[args.workload])
    out = sys.stdout
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    if args.workload == "w1":
        out.write(dumps(dict(cur.fetchall())) + "\n")
        return
    names = [d[0] for d in cur.description]
    while rows := cur.fetchmany(10_000):
        for row in rows:
            out.write(row[0] if args.workload == "w3" else dumps(dict(zip(names, row))))
            out.write("\n")


if __name__ == "__main__":
    main()
