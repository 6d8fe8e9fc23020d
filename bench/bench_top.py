"""Benchmark: ``top`` (the ranking of windows by the ground a side gained) over every
source, window length and side, on a full store, beside the ranking with the bounds of
the second session in the same run.

- *now*: :func:`frontwatch.changes.top_windows` as it is: bounds of the masked gain it
  ranks (:meth:`frontwatch.steps.GainBounds.masked_upper_km2`);
- *baseline*: the same ranking with the plain bounds (the sum of the steps' gains,
  chained through measured windows): the bounds of the second and third sessions.

Each query runs on a newly opened read-only store (warm = the OS file cache only: no
result of an earlier query is kept). Both answers must be equal; the number of windows
measured (two overlays of whole maps each) is shown beside the time.

Usage::

    python bench/bench_top.py --db STORE [--sources a,b] [--days 1,7,30,90,365] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from contextlib import contextmanager


@contextmanager
def baseline():
    """The earlier ranking: plain bounds."""
    from frontwatch import steps

    saved = (steps.GainBounds.masked_upper_km2, steps.GainBounds.masked_chained_upper_km2)

    def upper(self, i, j, side):
        own = self.cumulative_km2(side)[0]
        return (own[j] - own[i]) * (1 + self.MARGIN_REL) + self.MARGIN_KM2

    def chained(self, i, j, p, q, exact_km2, side):
        return steps.chained_upper_km2(self.cumulative_km2(side), i, j, p, q, exact_km2)

    steps.GainBounds.masked_upper_km2, steps.GainBounds.masked_chained_upper_km2 = upper, chained
    try:
        yield
    finally:
        steps.GainBounds.masked_upper_km2, steps.GainBounds.masked_chained_upper_km2 = saved


def run(db: str, source: str, days: int, side: str) -> tuple[float, int, list]:
    from frontwatch import changes
    from frontwatch.store import open_store

    measured = 0
    change = changes.change_from_records

    def counted(*a, **kw):
        nonlocal measured
        measured += 1
        return change(*a, **kw)

    changes.change_from_records = counted
    try:
        with open_store(db, read_only=True) as store:
            t = time.perf_counter()
            rows = changes.top_windows(store, source, days=days, side=side, limit=10)
            return time.perf_counter() - t, measured, [r.as_dict() for r in rows]
    finally:
        changes.change_from_records = change


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a full store (all three sources)")
    ap.add_argument("--sources", default="liveuamap-nzz,deepstate,isw")
    ap.add_argument("--days", default="1,7,30,90,365")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}; store {args.db}")  # fmt: skip
    print("| source | window | side | now (s) | measured | baseline (s) | measured | same answer |")
    print("|---|---|---|---|---|---|---|---|")
    worst, over, same_all = 0.0, 0, True
    for source in args.sources.split(","):
        for days in map(int, args.days.split(",")):
            for side in ("UA", "RU"):
                t, n, rows = run(args.db, source, days, side)
                worst, over = max(worst, t), over + (t > 1.0)
                if args.no_baseline:
                    base = "—", "—", "—"
                else:
                    with baseline():
                        bt, bn, brows = run(args.db, source, days, side)
                    same_all &= brows == rows
                    base = f"{bt:.2f}", f"{bn}", "yes" if brows == rows else "**no**"
                print(f"| {source} | {days}d | {side} | {t:.2f} | {n} | {base[0]} | {base[1]} | {base[2]} |", flush=True)
    print(f"\nslowest {worst:.2f} s; {over} rankings over 1 s; answers the same: {same_all}")
    return 0 if same_all else 1


if __name__ == "__main__":
    sys.exit(main())
