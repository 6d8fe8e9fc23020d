"""Benchmark: control history of all settlements over the full liveuamap-nzz history,
and distance / advance on a real snapshot (warm).

Compares the step-based timeline (points tested only inside ground that changed hands)
with the naive way (every point against every snapshot) on the same store, in the same run.

Usage: ``python bench/bench_places.py [--data ../shared/data] [--naive-every N]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import shapely

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--naive-every", type=int, default=10,
                    help="time the naive way on every Nth snapshot and scale")  # fmt: skip
    args = ap.parse_args()
    folder = Path(args.data) / "liveuamap-nzz" / "daily"
    if not folder.is_dir():
        print(f"no liveuamap-nzz files in {folder}", file=sys.stderr)
        return 2
    from frontwatch.advance import advance, distance_to_other_side
    from frontwatch.gazetteer import gazetteer, resolve_one
    from frontwatch.ingest import ingest
    from frontwatch.settlements import control_timeline
    from frontwatch.store import SQLiteStore

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.gpkg")
        t = time.perf_counter()
        ingest(store, "liveuamap-nzz", [folder])
        t_ingest = time.perf_counter() - t
        t = time.perf_counter()
        tl = control_timeline(store, "liveuamap-nzz")
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        control_timeline(store, "liveuamap-nzz")
        t_warm = time.perf_counter() - t
        places = gazetteer().places()
        xy = gazetteer().lonlat(places)
        recs = tl.records[:: args.naive_every]
        t = time.perf_counter()
        for r in recs:
            occ = store.layer(r.id)
            shapely.prepare(occ)
            shapely.intersects_xy(occ, xy[:, 0], xy[:, 1])
        t_naive = (time.perf_counter() - t) * len(tl.records) / len(recs)
        k = resolve_one("Kupiansk")
        distance_to_other_side(store, "liveuamap-nzz", k, "2022-09-08")
        advance(store, "liveuamap-nzz", "2022-09-08", "2022-09-11")
        t = time.perf_counter()
        distance_to_other_side(store, "liveuamap-nzz", k, "2022-09-08")
        t_dist = time.perf_counter() - t
        t = time.perf_counter()
        advance(store, "liveuamap-nzz", "2022-09-08", "2022-09-11")
        t_adv = time.perf_counter() - t
    print(f"\n{len(places):,} settlements × {len(tl.records)} snapshots; "
          f"{len(tl.transitions):,} transitions\n")  # fmt: skip
    rows = [
        ("ingest (for reference)", t_ingest),
        ("timeline, cold (steps computed and cached)", t_cold),
        ("timeline, warm (steps cached)", t_warm),
        (f"naive: every point vs every snapshot (scaled from 1/{args.naive_every})", t_naive),
        ("distance Kupiansk → other side, warm", t_dist),
        ("advance 2022-09-08 → 09-11, warm", t_adv),
    ]
    print(f"| {'step':<62} | {'seconds':>8} |")
    print(f"|{'-' * 64}|{'-' * 10}|")
    for name, secs in rows:
        print(f"| {name:<62} | {secs:8.2f} |")
    print("\ntarget: timeline < 30 s:", "met" if t_cold < 30 else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
