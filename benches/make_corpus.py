#!/usr/bin/env python3
"""Build a large, deterministic benchmark corpus of Dagster run-log pages.

The corpus is made by replicating every ``<case>/<runId>/pages/page-*.json`` of the
real Dagster exports (see ../shared/dagster-exports/README.md). Each replica:

* gives every original run a fresh run id, a UUID derived from (seed, replica number,
  original run id). The original id is replaced everywhere in the page text (``runId``
  fields, storage paths in messages, ...). Two exported snapshots of the same run
  (f1_hang_*) therefore still share one run id inside a replica, as they do in the exports;
* shifts every event's ``timestamp`` (13-digit epoch-ms string) by a replica offset;
* is written either compact (``separators=(",", ":")``) or pretty (``indent=2``, like
  the exports), about half each, so readers are exercised on both.

Layout (the ``<runId>`` level is kept because k1/l/n hold several runs per case,
whose page files would otherwise collide; ``g<NNN>`` keeps directories under ~1000 entries)::

    <out>/.manifest.json
    <out>/g<NNN>/r<NNNNNN>/<case>/<new runId>/pages/page-NNNN.json

The substitutions keep every string the same length (36-char UUIDs, 13-digit
timestamps), so a replica's size depends only on its style. That lets us plan the
replica count up front and generate replicas independently in a process pool.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FORMAT_VERSION = 1  # bump when the output format changes, so old corpora are rebuilt
REPLICAS_PER_GROUP = 1000
DAY_MS = 86_400_000
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GROUP_RE = re.compile(r"^g\d{3,}$")


def parse_size(text: str) -> int:
    """'1G', '200M', '512MiB', '1.5g', '1000000' -> bytes (binary multiples)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (examples: 1G, 200M, 512MiB)")
    power = " kmgt".index(m.group(2).lower() or " ")
    size = int(float(m.group(1)) * 1024**power)
    if size <= 0:
        raise argparse.ArgumentTypeError("size must be positive")
    return size


def resolve(path: str) -> Path:
    """Relative paths are taken relative to the repo root, not the caller's cwd."""
    p = Path(path).expanduser()
    return (p if p.is_absolute() else REPO / p).resolve()


# --------------------------------------------------------------------------- templates


def load_templates(exports: Path) -> list[tuple[str, str, str, str]]:
    """All (case, runId, page file name, text) of the exports, in a stable order."""
    templates = []
    for page in sorted(exports.glob("*/*/pages/page-*.json")):
        run_id, case = page.parent.parent.name, page.parent.parent.parent.name
        if not UUID_RE.match(run_id):
            continue
        # The in-progress snapshot is a second export of the f1 run: daglog
        # rightly merges it into the final export, jq would count it twice.
        # Leaving it out keeps every question's answer the same for every tool.
        if "in_progress_snapshot" in case:
            continue
        templates.append((case, run_id, page.name, page.read_text(encoding="utf-8")))
    if not templates:
        sys.exit(f"make_corpus: no */<runId>/pages/page-*.json under {exports}")
    return templates


def fingerprint(templates) -> str:
    h = hashlib.sha256()
    for case, run_id, name, text in templates:
        h.update(f"{case}/{run_id}/{name}\0".encode())
        h.update(text.encode("utf-8"))
    return h.hexdigest()


# --------------------------------------------------------------------------- replicas


def replica_plan(seed: int, replica: int) -> tuple[bool, int]:
    """(compact?, timestamp offset in ms) for one replica, from the seed alone."""
    rng = random.Random(f"daglog-corpus:{seed}:{replica}")
    compact = rng.random() < 0.5
    # One day apart plus jitter: runs of different replicas never overlap in time.
    offset = (replica + 1) * DAY_MS + rng.randrange(3_600_000)
    return compact, offset


def new_run_id(seed: int, replica: int, old: str) -> str:
    digest = hashlib.sha256(f"daglog-corpus:{seed}:{replica}:{old}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def render(text: str, ids: dict[str, str], offset: int, compact: bool) -> tuple[bytes, int]:
    for old, new in ids.items():  # plain text replace also catches ids inside messages/paths
        if old in text:
            text = text.replace(old, new)
    doc = json.loads(text)
    for event in doc["events"]:
        ts = str(int(event["timestamp"]) + offset)
        if len(ts) != 13:
            raise ValueError(f"timestamp {ts} is no longer 13 digits; use fewer replicas")
        event["timestamp"] = ts
    if compact:
        out = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    else:
        out = json.dumps(doc, indent=2, ensure_ascii=False)
    return (out + "\n").encode("utf-8"), len(doc["events"])


def replica_dir(out: Path, replica: int) -> Path:
    return out / f"g{replica // REPLICAS_PER_GROUP:03d}" / f"r{replica:06d}"


_TEMPLATES: list = []
_ARGS: tuple = ()


def _init_worker(templates, out: Path, seed: int) -> None:
    global _TEMPLATES, _ARGS
    _TEMPLATES, _ARGS = templates, (out, seed)


def build_replica(replica: int) -> tuple[int, int, int, int, set[str]]:
    """Write one replica; returns (replica, files, bytes, events, run ids)."""
    out, seed = _ARGS
    compact, offset = replica_plan(seed, replica)
    ids = {run_id: new_run_id(seed, replica, run_id) for _, run_id, _, _ in _TEMPLATES}
    root = replica_dir(out, replica)
    files = nbytes = events = 0
    for case, run_id, name, text in _TEMPLATES:
        data, n = render(text, ids, offset, compact)
        pages = root / case / ids[run_id] / "pages"
        pages.mkdir(parents=True, exist_ok=True)
        (pages / name).write_bytes(data)
        files, nbytes, events = files + 1, nbytes + len(data), events + n
    return replica, files, nbytes, events, set(ids.values())


# --------------------------------------------------------------------------- corpus


def scan(out: Path) -> tuple[int, int]:
    """(page files, bytes) currently on disk under out/g*/, cheaply via scandir."""
    files = nbytes = 0
    stack = [out / d for d in os.listdir(out) if GROUP_RE.match(d)] if out.is_dir() else []
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(".json"):
                    files += 1
                    nbytes += entry.stat(follow_symlinks=False).st_size
    return files, nbytes


def clear(out: Path) -> None:
    """Remove a previous (possibly partial) corpus, but never anything we did not write."""
    if not out.exists():
        return
    foreign = [n for n in os.listdir(out) if n not in (".manifest.json", ".manifest.tmp") and not GROUP_RE.match(n)]
    if foreign:
        sys.exit(f"make_corpus: {out} holds files this script did not write ({foreign[:3]}); "
                 "refusing to delete it. Pick another --out or clean it up.")
    for name in os.listdir(out):
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def print_totals(m: dict, verb: str) -> None:
    print(f"{verb} {m['out']}: {m['replicas']} replicas "
          f"({m['compact_replicas']} compact, {m['pretty_replicas']} pretty)")
    print(f"files  {m['files']:>14,}")
    print(f"bytes  {m['bytes']:>14,}  ({m['bytes'] / 2**20:,.1f} MiB)")
    print(f"events {m['events']:>14,}")
    print(f"runs   {m['runs']:>14,}  (distinct run ids; {m['run_dirs']:,} run folders)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("1G"),
                    help="minimum total bytes of page files, e.g. 1G, 200M (default 1G)")
    ap.add_argument("--out", default="data/generated/corpus",
                    help="output dir, relative to the repo root (default %(default)s)")
    ap.add_argument("--exports", default="../shared/dagster-exports",
                    help="Dagster exports dir, relative to the repo root (default %(default)s)")
    ap.add_argument("--seed", type=int, default=42, help="seed for run ids, offsets, styles")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = ap.parse_args()

    out, exports = resolve(args.out), resolve(args.exports)
    templates = load_templates(exports)
    fp = fingerprint(templates)

    # Reuse: same parameters and inputs, and the files on disk still add up.
    manifest_path = out / ".manifest.json"
    if manifest_path.exists():
        try:
            m = json.loads(manifest_path.read_text())
        except ValueError:
            m = {}
        want = {"format_version": FORMAT_VERSION, "size": args.size, "seed": args.seed,
                "exports_sha256": fp}
        if all(m.get(k) == v for k, v in want.items()) and scan(out) == (m["files"], m["bytes"]):
            print_totals(m, "reusing")
            return
        print("make_corpus: existing corpus does not match, rebuilding", file=sys.stderr)

    # Plan: replica sizes depend only on the style, so measure each style once.
    ids = {run_id: run_id for _, run_id, _, _ in templates}
    style_bytes = {c: sum(len(render(t, ids, 0, c)[0]) for *_, t in templates) for c in (True, False)}
    replicas, planned = 0, 0
    while planned < args.size:
        planned += style_bytes[replica_plan(args.seed, replicas)[0]]
        replicas += 1

    clear(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(args.jobs, replicas))
    print(f"make_corpus: {replicas} replicas x {len(templates)} pages -> {out} "
          f"({jobs} workers)", file=sys.stderr)
    started = time.monotonic()
    files = nbytes = events = 0
    run_ids: set[str] = set()
    with multiprocessing.Pool(jobs, _init_worker, (templates, out, args.seed)) as pool:
        for done, (_, f, b, e, r) in enumerate(
                pool.imap_unordered(build_replica, range(replicas), chunksize=4), 1):
            files, nbytes, events = files + f, nbytes + b, events + e
            run_ids |= r
            if done % max(1, replicas // 10) == 0:
                print(f"  {done}/{replicas} replicas, {nbytes / 2**20:,.0f} MiB, "
                      f"{time.monotonic() - started:.1f}s", file=sys.stderr)
    assert nbytes == planned and nbytes >= args.size, (nbytes, planned)

    compact = sum(replica_plan(args.seed, i)[0] for i in range(replicas))
    manifest = {
        "format_version": FORMAT_VERSION,
        "size": args.size,
        "seed": args.seed,
        "exports": str(exports),
        "exports_sha256": fp,
        "layout": "g<NNN>/r<NNNNNN>/<case>/<runId>/pages/page-NNNN.json",
        "replicas": replicas,
        "compact_replicas": compact,
        "pretty_replicas": replicas - compact,
        "files": files,
        "bytes": nbytes,
        "events": events,
        "runs": len(run_ids),
        "run_dirs": replicas * len({(c, r) for c, r, _, _ in templates}),
        "out": str(out),
    }
    # Written last (atomically), so an interrupted build is never mistaken for a complete one.
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, manifest_path)
    print(f"make_corpus: done in {time.monotonic() - started:.1f}s", file=sys.stderr)
    print_totals(manifest, "built")


if __name__ == "__main__":
    main()
