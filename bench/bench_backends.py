"""The same store on both backends: rows, bytes and query times (figures in docs/scale.md).

    python bench/bench_backends.py --sqlite full.gpkg --postgis postgresql://.../db?options=-csearch_path%3Dfull

Each query runs on a freshly opened store (cold: its caches empty) and again on the same
store (warm), through the :class:`~frontwatch.store.Store` interface, as ``frontwatch``
and ``frontwatch serve`` run them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from frontwatch.areas import area_on, series  # noqa: E402
from frontwatch.changes import change_between, top_windows  # noqa: E402
from frontwatch.gazetteer import resolve_one  # noqa: E402
from frontwatch.inventory import sources_summary  # noqa: E402
from frontwatch.settlements import place_control  # noqa: E402
from frontwatch.store import open_store  # noqa: E402

TABLES = ("fw_files", "fw_snapshots", "snapshot_layers", "fw_steps", "fw_changes")
QUERIES = {
    "sources (inventory of all sources)": lambda s: sources_summary(s),
    "area deepstate 2024-11-15": lambda s: area_on(s, "deepstate", "2024-11-15"),
    "change liveuamap-nzz 2022-09-04 → 09-11 by oblast": lambda s: change_between(
        s, "liveuamap-nzz", "2022-09-04", "2022-09-11", by_oblast=True),
    "change deepstate 2024-10-01 → 2024-11-30": lambda s: change_between(s, "deepstate", "2024-10-01", "2024-11-30"),
    "place Kupiansk on liveuamap-nzz 2022-09-09": lambda s: place_control(
        s, "liveuamap-nzz", resolve_one("Kupiansk"), "2022-09-09"),
    "series deepstate monthly 2024": lambda s: series(s, "deepstate", every="month", start="2024-01-01",
                                                      end="2024-12-31"),
    "top deepstate --window 90d (the window tables, #14)": lambda s: top_windows(s, "deepstate", days=90),
}  # fmt: skip


def sizes(store) -> tuple[dict[str, int], dict[str, int]]:
    rows = {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    if hasattr(store, "schema"):
        size = {t: store.conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0] for t in TABLES}
    else:
        size = {t: store.conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (t,)).fetchone()[0] or 0
                for t in TABLES}  # fmt: skip
        size["(file)"] = os.path.getsize(store.path)
    return rows, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", required=True)
    ap.add_argument("--postgis", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    resolve_one("Kupiansk")  # (the gazetteer loaded once, outside the timings)
    results = {}
    for name, target in (("SQLite", args.sqlite), ("PostGIS", args.postgis)):
        with open_store(target, create=False) as store:
            results[name] = {"sizes": sizes(store)}
        for q, fn in QUERIES.items():
            cold, warm = [], []
            for _ in range(args.repeat):
                with open_store(target, create=False) as store:
                    t = time.perf_counter()
                    fn(store)
                    cold.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    fn(store)
                    warm.append(time.perf_counter() - t)
            results[name][q] = (min(cold), min(warm))
    lite, pg = results["SQLite"], results["PostGIS"]
    print("| table | rows | SQLite MB | PostGIS MB (with indexes, TOAST) |\n|---|---:|---:|---:|")
    for t in TABLES:
        print(f"| {t} | {lite['sizes'][0][t]:,} | {lite['sizes'][1][t] / 1e6:,.1f} | {pg['sizes'][1][t] / 1e6:,.1f} |")
    print(f"| (the whole file) | | {lite['sizes'][1]['(file)'] / 1e6:,.1f} | |")
    print(f"\nbest of {args.repeat}, seconds\n\n| query | SQLite cold | SQLite warm | PostGIS cold | PostGIS warm |")
    print("|---|---:|---:|---:|---:|")
    for q in QUERIES:
        print(f"| {q} | {lite[q][0]:.3f} | {lite[q][1]:.3f} | {pg[q][0]:.3f} | {pg[q][1]:.3f} |")


if __name__ == "__main__":
    main()
