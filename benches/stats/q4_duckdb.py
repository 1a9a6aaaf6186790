#!/usr/bin/env python3
"""Q4 "run stats" with DuckDB (Python package): q4.sql over a corpus, NDJSON on stdout.

usage: q4_duckdb.py [--threads N] [--memory-limit SIZE] CORPUS_DIR > runs.ndjson

Prints one JSON object per run with the fields of q4_python.py. Needs `pip install duckdb`
(compare_stats.sh installs the version in requirements.txt into a venv).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import duckdb

SQL = Path(__file__).with_name("q4.sql")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 4GB (default: DuckDB's, 80%% of RAM)")
    args = ap.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    if args.memory_limit:
        con.execute("SET memory_limit = $m", {"m": args.memory_limit})
    # Page order does not matter (GROUP BY); letting DuckDB drop it saves memory.
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET VARIABLE pages = $p",
                {"p": os.path.join(os.path.abspath(args.corpus), "**", "pages", "page-*.json")})
    cur = con.execute(SQL.read_text())
    names = [d[0] for d in cur.description]
    out = sys.stdout
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    while rows := cur.fetchmany(10_000):
        for row in rows:
            out.write(dumps(dict(zip(names, row))))
            out.write("\n")


if __name__ == "__main__":
    main()
