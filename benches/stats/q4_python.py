#!/usr/bin/env python3
"""Q4 "run stats" in plain Python: Dagster's RunStatsSnapshot figures per run, from events alone.

usage: q4_python.py [-j JOBS] CORPUS_DIR > runs.ndjson

Reads every ``*/pages/page-*.json`` under CORPUS_DIR (EventConnection pages:
``{"events": [...], "cursor": ..., "hasMore": ...}``) and prints one JSON object per run:

    {"runId", "stepsSucceeded", "stepsFailed", "materializations", "expectations",
     "eventCount", "startTime", "endTime"}

Counts are of events with exactly that ``eventType``; ``eventCount`` counts every event,
log lines (``eventType`` null) included. ``startTime`` / ``endTime`` are float epoch seconds
of the RUN_START (PIPELINE_START) and terminal RUN_SUCCESS/FAILURE/CANCELED (PIPELINE_*)
events, null if the run has none; the earliest start and the latest end if a run had several.

Every event counts: no de-duplication across export folders. compare_stats.sh checks that
the corpus holds each run in one folder only, so that this matches daglog's merge rule.

With ``-j N`` (N > 1) pages are parsed in a process pool and the per-page partial figures
are merged in the parent; the merge is exact (sums, min, max). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pages import page_paths  # noqa: E402  (benches/pages.py)
from multiprocessing import Pool

START = frozenset(("RUN_START", "PIPELINE_START"))
END = frozenset(("RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED",
                 "PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED"))
# eventType -> index of its counter in a run's figures list
COUNTED = {"STEP_SUCCESS": 0, "STEP_FAILURE": 1, "ASSET_MATERIALIZATION": 2,
           "STEP_EXPECTATION_RESULT": 3}
# figures: [stepsSucceeded, stepsFailed, materializations, expectations, eventCount,
#           start ms or None, end ms or None]


def page_stats(path: str) -> dict[str, list]:
    """Figures of one page, per run id."""
    with open(path, "rb") as f:
        events = json.load(f)["events"]
    runs: dict[str, list] = {}
    for e in events:
        run_id = e["runId"]
        r = runs.get(run_id)
        if r is None:
            r = runs[run_id] = [0, 0, 0, 0, 0, None, None]
        r[4] += 1
        t = e.get("eventType")
        if t is None:
            continue
        i = COUNTED.get(t)
        if i is not None:
            r[i] += 1
        elif t in START:
            ms = int(e["timestamp"])
            if r[5] is None or ms < r[5]:
                r[5] = ms
        elif t in END:
            ms = int(e["timestamp"])
            if r[6] is None or ms > r[6]:
                r[6] = ms
    return runs


def merge(total: dict[str, list], part: dict[str, list]) -> None:
    for run_id, p in part.items():
        r = total.get(run_id)
        if r is None:
            total[run_id] = p
            continue
        for i in range(5):
            r[i] += p[i]
        if p[5] is not None and (r[5] is None or p[5] < r[5]):
            r[5] = p[5]
        if p[6] is not None and (r[6] is None or p[6] > r[6]):
            r[6] = p[6]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    args = ap.parse_args()

    paths = page_paths(args.corpus)
    total: dict[str, list] = {}
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            for part in pool.imap_unordered(page_stats, paths, chunksize=16):
                merge(total, part)
    else:
        for p in paths:
            merge(total, page_stats(p))

    out = sys.stdout
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    for run_id, r in total.items():
        out.write(dumps({
            "runId": run_id,
            "stepsSucceeded": r[0], "stepsFailed": r[1],
            "materializations": r[2], "expectations": r[3], "eventCount": r[4],
            "startTime": None if r[5] is None else r[5] / 1000,
            "endTime": None if r[6] is None else r[6] / 1000,
        }))
        out.write("\n")


if __name__ == "__main__":
    main()
