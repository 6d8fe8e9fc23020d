"""Benchmark: ingest of every source of ``../shared/data`` from nothing, each beside its own
parse floor measured in the same run, and one new daily map added to the full store.

For each source (liveuamap-nzz, deepstate: revision archive + daily mirror, isw):

- *parse floor*: read every file, decompress it (gzip, xz, tar.xz) and parse its JSON with
  orjson (each line of the revision archive, each member of the ISW archives), one
  process, no geometry;
- *ingest*: ``frontwatch.ingest`` of all its files but the newest daily one into one
  store (as ``frontwatch ingest`` does: worker processes, quality checks, the steps
  between consecutive maps derived at the end, timed apart);
- *one more map*: the newest daily file ingested into that full store (everything derived
  from it included).

The ingests run in a child process, so that its peak RSS (the largest of the main process
and its workers, ``ru_maxrss``) is its own. Usage::

    python bench/bench_sources.py [--data DIR] [--db NEW_STORE]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import io
import json
import lzma
import os
import platform
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "liveuamap-nzz": ["liveuamap-nzz/daily"],
    "deepstate": ["deepstate-history", "deepstate/daily"],
    "isw": ["isw"],
}


def files_of(data: Path, source: str) -> list[Path]:
    from frontwatch.sources import adapter
    from frontwatch.sources._io import expand_paths

    return expand_paths([data / p for p in SOURCES[source]], adapter(source).accepts)


def parse_floor(files: list[Path]) -> tuple[float, int]:
    """Seconds to read, decompress and JSON-parse every file; documents parsed. The cycle
    collector is off, as in the readers (it would walk every position's list again and
    again: DeepState's archive parses in 8.1 s with it, 5.0 s without)."""
    gc.disable()
    try:
        return _parse_floor(files)
    finally:
        gc.enable()


def _parse_floor(files: list[Path]) -> tuple[float, int]:
    t = time.perf_counter()
    docs = 0
    for f in files:
        data = f.read_bytes()
        if ".tar" in f.name:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
                for m in tar:
                    if m.isfile() and m.name.endswith(".geojson"):
                        orjson.loads(tar.extractfile(m).read())
                        docs += 1
        elif ".jsonl" in f.name:
            with lzma.open(io.BytesIO(data)) as fh:
                for line in fh:
                    if line.strip():
                        orjson.loads(line)
                        docs += 1
        else:
            orjson.loads(gzip.decompress(data) if f.name.endswith(".gz") else data)
            docs += 1
    return time.perf_counter() - t, docs


def child(data: Path, db: Path) -> None:
    """Run in a child process: the ingests, timed; prints one JSON line."""
    import importlib

    from frontwatch.store import SQLiteStore

    ingest_mod = importlib.import_module("frontwatch.ingest")  # (the package exports the function)

    spent = {"steps": 0.0}
    derive = ingest_mod.derive_steps

    def timed_derive(*a, **kw):
        t = time.perf_counter()
        try:
            return derive(*a, **kw)
        finally:
            spent["steps"] += time.perf_counter() - t

    ingest_mod.derive_steps = timed_derive
    out = {}
    store = SQLiteStore(db)
    for source in SOURCES:
        files = files_of(data, source)
        last = [f for f in files if "daily" in str(f.parent)][-1:] if source != "isw" else []
        rest = [f for f in files if f not in last]
        spent["steps"] = 0.0
        t = time.perf_counter()
        s = ingest_mod.ingest(store, source, rest)
        row = {"files": len(rest), "snapshots": s.added, "errors": len(s.errors),
               "ingest_s": time.perf_counter() - t, "steps_s": spent["steps"]}  # fmt: skip
        if last:
            spent["steps"] = 0.0
            t = time.perf_counter()
            s2 = ingest_mod.ingest(store, source, last)
            row.update(one_more_s=time.perf_counter() - t, one_more_file=last[0].name,
                       one_more_added=s2.added, one_more_steps_s=spent["steps"])  # fmt: skip
        out[source] = row
    store.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_rss_mb"] = max(own, workers) / 1024
    print(json.dumps(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--db", default=None, help="where to build the store (default: a temp file)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    data = Path(args.data)
    if args.child:
        child(data, Path(args.db))
        return 0
    floors = {}
    for source in SOURCES:
        files = files_of(data, source)
        floors[source] = (*parse_floor(files), len(files))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "bench.gpkg"
        if db.exists():
            sys.exit(f"{db} exists: give a new path")
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--child", "--data", str(data), "--db", str(db)],
                              capture_output=True, text=True, env=os.environ)  # fmt: skip
        wall = time.perf_counter() - t
        if proc.returncode:
            sys.exit(proc.stderr)
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        size = db.stat().st_size / 1e6
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before: "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print()
    print(
        "| source | files | documents | parse floor (s) | ingest (s) | of which steps (s) | ingest / floor "
        "| one more daily map (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    total = 0.0
    for source in SOURCES:
        floor, docs, nfiles = floors[source]
        r = got[source]
        total += r["ingest_s"] + r.get("one_more_s", 0.0)
        one = f"{r['one_more_s']:.2f} ({r['one_more_file']})" if "one_more_s" in r else "—"
        print(f"| {source} | {nfiles:,} | {docs:,} | {floor:.1f} | {r['ingest_s']:.1f} | {r['steps_s']:.1f} | "
              f"{r['ingest_s'] / floor:.1f}× | {one} |")  # fmt: skip
    print()
    print(f"all three sources: {total:.1f} s of ingest ({wall:.1f} s with the child's start); peak RSS "
          f"{got['peak_rss_mb']:,.0f} MB (largest process); store {size:,.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
