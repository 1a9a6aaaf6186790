#!/usr/bin/env python3
"""Workloads W1-W4 with Polars: each page read with ``pl.read_json``, then one DataFrame.

usage: w_polars.py {w1,w2,w3,w4} CORPUS_DIR > answer

Output as w_python.py's. Polars has no multi-file reader for JSON documents (``scan_ndjson``
/ ``read_ndjson`` want one object per line, and half the pages are pretty-printed), so each
page file is read with ``pl.read_json(path, schema=...)`` into a one-row frame, the frames are
concatenated and ``events`` exploded and unnested: one row per event. The schema declares
only the event fields the workload needs (without it, each page's full event schema is
inferred, which is slower and differs between pages). The query itself is a Polars
expression (group_by / agg, multithreaded).

w3 must print whole events, whose fields vary by event type, so there each page is read with
its schema inferred, filtered and written with ``write_ndjson``; the event lines therefore
carry every field of the page's inferred event schema, null where an event lacks it.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pages import page_paths  # noqa: E402  (benches/pages.py)

import polars as pl

STEP_END = ["STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"]
FIELDS = {
    "w1": ["eventType"],
    "w2": ["runId", "timestamp", "eventType", "stepKey"],
    "w4": ["runId", "timestamp"],
}


def events(paths: list[str], fields: list[str]) -> pl.DataFrame:
    schema = {"events": pl.List(pl.Struct({f: pl.String for f in fields}))}
    pages = pl.concat([pl.read_json(p, schema=schema) for p in paths])
    return pages.explode("events").unnest("events")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=["w1", "w2", "w3", "w4"])
    ap.add_argument("corpus")
    args = ap.parse_args()
    paths = page_paths(args.corpus)
    out = sys.stdout

    if args.workload == "w3":
        out.flush()
        with os.fdopen(os.dup(sys.stdout.fileno()), "wb") as raw:
            for p in paths:
                df = (pl.read_json(p).select("events").explode("events").unnest("events")
                      .filter(pl.col("eventType").str.contains("FAILURE", literal=True)))
                if df.height:
                    df.write_ndjson(raw)
        return

    ev = events(paths, FIELDS[args.workload])
    if args.workload == "w1":
        counts = ev.group_by(pl.col("eventType").fill_null("LOG")).len()
        out.write(pl.DataFrame([dict(counts.iter_rows())]).write_ndjson())
    elif args.workload == "w2":
        ts = pl.col("timestamp").cast(pl.Int64)
        steps = (ev.filter(pl.col("eventType").is_in(["STEP_START", *STEP_END]))
                 .group_by("runId", "stepKey")
                 .agg(durationMs=ts.filter(pl.col("eventType") != "STEP_START").max()
                      - ts.filter(pl.col("eventType") == "STEP_START").min())
                 .drop_nulls("durationMs"))
        out.write(steps.write_ndjson())
    else:
        gaps = (ev.group_by("runId")
                .agg(largestGapMs=pl.col("timestamp").cast(pl.Int64).sort().diff().max().fill_null(0)))
        out.write(gaps.write_ndjson())


if __name__ == "__main__":
    main()
