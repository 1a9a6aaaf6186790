#!/usr/bin/env python3
"""Event counts by type over a Dagster SQLite storage folder, with Python's sqlite3 and json alone:
the reference answer (and time) for benches/storage.sh. Run-less rows (empty run_id) are left out,
PIPELINE_* is RUN_*, as daglog counts them."""
import collections
import glob
import json
import sqlite3
import sys

counts = collections.Counter()
for path in glob.glob(sys.argv[1] + "/history/runs/*.db"):
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    for (event,) in con.execute("SELECT event FROM event_logs WHERE run_id != ''"):
        de = json.loads(event).get("dagster_event")
        t = de and de.get("event_type_value")
        if t and t.startswith("PIPELINE_"):
            t = "RUN_" + t[len("PIPELINE_"):]
        counts[t] += 1
print(json.dumps(sorted(([t, n] for t, n in counts.items()), key=lambda x: (-x[1], str(x[0])))))
