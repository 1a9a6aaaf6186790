#!/usr/bin/env python3
"""Build a large Dagster SQLite storage folder (a DAGSTER_HOME's history/) from the real one.

    python3 benches/make_storage.py                       # >= 1 GiB of event JSON into data/generated/storage
    python3 benches/make_storage.py --size 200M --out /tmp/storage

It replicates every per-run shard `history/runs/<runId>.db` of the real Dagster 1.13 home in
`fixtures/dagster-1.13-home/` (22 runs, 5,623 events, about 11 MB of event JSON) until the event JSON
reaches --size. In each replica every run gets a fresh run id (a UUID derived from seed, replica and
original id), replaced throughout the event JSON, and the shard file is named by it; event
timestamps are shifted by a day per replica. `runs.db` gets one row per replicated run, with the
same replacements in its run_body. SQLite does the copying (ATTACH, INSERT … SELECT replace()), so
the rows stay as Dagster wrote them. Layout: <out>/history/runs.db, <out>/history/runs/<runId>.db,
and <out>/.manifest.json with the totals (files, runs, events, event JSON bytes). Python 3.11
standard library only. A corpus with a matching manifest is reused.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SOURCE = os.path.join(REPO, "fixtures", "dagster-1.13-home", "history")
RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.db$")
DAY = 86400.0


def parse_size(text):
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1G", help="minimum bytes of event JSON (default 1G)")
    ap.add_argument("--out", default=os.path.join(REPO, "data", "generated", "storage"))
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    want = parse_size(args.size)
    manifest_path = os.path.join(args.out, ".manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            m = json.load(f)
        if m.get("size") == want and m.get("seed") == args.seed:
            print(f"reusing {args.out}: {m['runs']} runs, {m['events']} events, {m['event_json_bytes']} bytes of event JSON")
            return
        shutil.rmtree(args.out)
    shards = sorted(f for f in os.listdir(os.path.join(SOURCE, "runs")) if RUN_ID.match(f))
    out_runs = os.path.join(args.out, "history", "runs")
    os.makedirs(out_runs)
    runs_db = os.path.join(args.out, "history", "runs.db")
    shutil.copy(os.path.join(SOURCE, "runs.db"), runs_db)
    index = sqlite3.connect(runs_db)
    # Only the replicas' rows: the originals' run ids are not among them.
    index.execute("DELETE FROM run_tags")
    index.execute("DELETE FROM runs")
    index.execute("ATTACH DATABASE ? AS src", (f"file:{os.path.join(SOURCE, 'runs.db')}?immutable=1",))
    per_replica = 0
    source_sizes = {}
    for name in shards:
        con = sqlite3.connect(f"file:{os.path.join(SOURCE, 'runs', name)}?immutable=1", uri=True)
        n, size = con.execute("SELECT count(*), sum(length(event)) FROM event_logs").fetchone()
        source_sizes[name] = (n, size)
        per_replica += size
        con.close()
    replicas = max(1, -(-want // per_replica))
    events = total = 0
    for r in range(replicas):
        for name in shards:
            old = name[:-3]
            new = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{args.seed}/{r}/{old}"))
            target = os.path.join(out_runs, new + ".db")
            shutil.copy(os.path.join(SOURCE, "runs", name), target)
            con = sqlite3.connect(target)
            shift = DAY * (r + 1)
            con.execute(
                "UPDATE event_logs SET run_id = ?, event = replace(replace(event, ?, ?), "
                "'\"timestamp\": ' || json_extract(event, '$.timestamp'), "
                "'\"timestamp\": ' || (json_extract(event, '$.timestamp') + ?))",
                (new, old, new, shift),
            )
            con.commit()
            con.execute("VACUUM")
            con.close()
            index.execute(
                "INSERT INTO runs (run_id, snapshot_id, pipeline_name, mode, status, run_body, partition, "
                "partition_set, create_timestamp, update_timestamp, start_time, end_time) "
                "SELECT ?, snapshot_id, pipeline_name, mode, status, replace(run_body, ?, ?), partition, "
                "partition_set, create_timestamp, update_timestamp, start_time + ?, end_time + ? "
                "FROM src.runs WHERE run_id = ?",
                (new, old, new, shift, shift, old),
            )
            index.execute(
                "INSERT INTO run_tags (run_id, key, value) SELECT ?, key, value FROM src.run_tags WHERE run_id = ?",
                (new, old),
            )
            n, size = source_sizes[name]
            events += n
            total += size
        index.commit()
        print(f"replica {r + 1}/{replicas}: {events} events, {total >> 20} MiB of event JSON", flush=True)
    index.execute("DETACH DATABASE src")
    index.commit()
    index.close()
    with open(manifest_path, "w") as f:
        json.dump({"size": want, "seed": args.seed, "runs": replicas * len(shards), "events": events,
                   "event_json_bytes": total, "files": replicas * len(shards) + 1}, f, indent=1)
    print(f"wrote {args.out}: {replicas * len(shards)} runs, {events} events, {total} bytes of event JSON")


if __name__ == "__main__":
    main()
