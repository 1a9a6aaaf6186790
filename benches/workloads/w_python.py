#!/usr/bin/env python3
"""Workloads W1-W4 in plain Python (standard library ``json`` only).

usage: w_python.py [-j JOBS] {w1,w2,w3,w4} CORPUS_DIR > answer

Reads every ``*/pages/page-*.json`` under CORPUS_DIR (EventConnection pages:
``{"events": [...], "cursor": ..., "hasMore": ...}``) and prints:

w1  event counts by type over the whole archive, one JSON object {eventType: count};
    log lines (eventType null) count as "LOG"
w2  per-step durations: one {"runId", "stepKey", "durationMs"} line for every
    (runId, stepKey) with a STEP_START and a STEP_SUCCESS/STEP_FAILURE/STEP_SKIPPED;
    durationMs = last end - first STEP_START (timestamps are epoch-ms strings)
w3  every event whose eventType contains "FAILURE", as NDJSON (the whole event)
w4  the largest gap per run: one {"runId", "largestGapMs"} line per run, the largest
    difference between consecutive events in time order (0 for a run of one event)

With ``-j N`` (N > 1) pages are parsed in a ``multiprocessing`` pool, each worker returns
the page's partial result and the parent merges them. Every merge is exact for any split
of a run's pages: counts add up, the earliest start and the latest end win, and for w4
the workers return the run's timestamps, which the parent sorts once all are in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pages import page_paths  # noqa: E402  (benches/pages.py)
from collections import Counter
from multiprocessing import Pool

STEP_END = frozenset(("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"))


def events_of(path: str) -> list[dict]:
    with open(path, "rb") as f:
        return json.load(f)["events"]


# ---------------------------------------------------------------- per page


def w1_page(path: str) -> Counter:
    return Counter(e.get("eventType") or "LOG" for e in events_of(path))


def w2_page(path: str) -> dict[tuple[str, str], list]:
    """(runId, stepKey) -> [first STEP_START ms or None, last end ms or None]."""
    steps: dict[tuple[str, str], list] = {}
    for e in events_of(path):
        t = e.get("eventType")
        if t == "STEP_START":
            i = 0
        elif t in STEP_END:
            i = 1
        else:
            continue
        key = (e["runId"], e["stepKey"])
        s = steps.get(key)
        if s is None:
            s = steps[key] = [None, None]
        ms = int(e["timestamp"])
        if s[i] is None or (ms < s[i] if i == 0 else ms > s[i]):
            s[i] = ms
    return steps


def w3_page(path: str) -> list[str]:
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    return [dumps(e) for e in events_of(path) if "FAILURE" in (e.get("eventType") or "")]


def w4_page(path: str) -> dict[str, list[int]]:
    runs: dict[str, list[int]] = {}
    for e in events_of(path):
        runs.setdefault(e["runId"], []).append(int(e["timestamp"]))
    return runs


PAGE = {"w1": w1_page, "w2": w2_page, "w3": w3_page, "w4": w4_page}

# ---------------------------------------------------------------- merge and print


def run(workload: str, parts) -> None:
    out = sys.stdout
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    if workload == "w1":
        total: Counter = Counter()
        for c in parts:
            total.update(c)
        out.write(dumps(dict(total)) + "\n")
    elif workload == "w2":
        steps: dict[tuple[str, str], list] = {}
        for part in parts:
            for key, p in part.items():
                s = steps.get(key)
                if s is None:
                    steps[key] = p
                    continue
                if p[0] is not None and (s[0] is None or p[0] < s[0]):
                    s[0] = p[0]
                if p[1] is not None and (s[1] is None or p[1] > s[1]):
                    s[1] = p[1]
        for (run_id, step_key), (start, end) in steps.items():
            if start is not None and end is not None:
                out.write(dumps({"runId": run_id, "stepKey": step_key, "durationMs": end - start}) + "\n")
    elif workload == "w3":
        for lines in parts:
            for line in lines:
                out.write(line)
                out.write("\n")
    else:
        runs: dict[str, list[int]] = {}
        for part in parts:
            for run_id, ts in part.items():
                have = runs.get(run_id)
                if have is None:
                    runs[run_id] = ts
                else:
                    have.extend(ts)
        for run_id, ts in runs.items():
            ts.sort()
            gap = max((b - a for a, b in zip(ts, ts[1:])), default=0)
            out.write(dumps({"runId": run_id, "largestGapMs": gap}) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=sorted(PAGE))
    ap.add_argument("corpus")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    args = ap.parse_args()

    paths = page_paths(args.corpus)
    page = PAGE[args.workload]
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            run(args.workload, pool.imap_unordered(page, paths, chunksize=16))
    else:
        run(args.workload, map(page, paths))


if __name__ == "__main__":
    main()
