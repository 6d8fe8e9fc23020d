"""Benchmark: ``top`` (the ranking of windows by the ground a side gained) over every
source, window length and side, on a full store, beside the ranking with the bounds of
the second session in the same run.

- *now*: :func:`frontwatch.changes.top_windows` as it is: bounds of the masked gain it
  ranks (:meth:`frontwatch.steps.GainBounds.masked_upper_km2`);
- *baseline*: with ``--baseline-rev REV``, the code of that git revision (checked out in
  a temporary worktree and run in a process of its own: the whole method of that time);
  else the same code with the plain bounds (the sum of the steps' gains, chained through
  measured windows, as in the second and third sessions).

Each query runs on a newly opened read-only store (warm = the OS file cache only: no
result of an earlier query is kept). Both answers should be equal; where they are not,
the ranking with every window measured (``prune=False``) says which is right. The number
of windows measured (two overlays of whole maps each) is shown beside the time.

Usage::

    python bench/bench_top.py --db STORE [--sources a,b] [--days 1,7,30,90,365]
                              [--baseline-rev REV [--baseline-db COPY] | --no-baseline]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
if os.environ.get("FW_BENCH_ROOT"):  # (a baseline's process: import frontwatch from that tree)
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__name__.lower()]
    sys.path.insert(0, os.environ["FW_BENCH_ROOT"])


@contextmanager
def baseline():
    """The earlier ranking: plain bounds."""
    from frontwatch import steps

    saved = (steps.GainBounds.masked_upper_km2, steps.GainBounds.masked_chained_upper_km2)

    def upper(self, i, j, side):
        own = self.cumulative_km2(side)[0]
        return (own[j] - own[i]) * (1 + self.MARGIN_REL) + self.MARGIN_KM2

    def chained(self, i, j, p, q, exact_km2, side, differ=None):
        return steps.chained_upper_km2(self.cumulative_km2(side), i, j, p, q, exact_km2)

    steps.GainBounds.masked_upper_km2, steps.GainBounds.masked_chained_upper_km2 = upper, chained
    try:
        yield
    finally:
        steps.GainBounds.masked_upper_km2, steps.GainBounds.masked_chained_upper_km2 = saved


def run(db: str, source: str, days: int, side: str, prune: bool | None = None) -> tuple[float, int, list]:
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
            rows = changes.top_windows(store, source, days=days, side=side, limit=10, prune=prune)
            return time.perf_counter() - t, measured, [r.as_dict() for r in rows]
    finally:
        changes.change_from_records = change


def of_revision(rev: str, args) -> dict[str, tuple[float, int, list]]:
    """The grid as the code of git revision ``rev`` answers it (a worktree, a process)."""
    with tempfile.TemporaryDirectory() as tmp:
        tree, out = Path(tmp) / "tree", Path(tmp) / "grid.json"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        try:
            subprocess.run([sys.executable, __file__, "--db", args.baseline_db or args.db, "--sources", args.sources,
                            "--days", args.days, "--dump", str(out)], check=True,
                           env={**os.environ, "FW_BENCH_ROOT": str(tree)})  # fmt: skip
            return {k: tuple(v) for k, v in orjson.loads(out.read_bytes()).items()}  # type: ignore[misc]
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)


def grid(args):
    for source in args.sources.split(","):
        for days in map(int, args.days.split(",")):
            for side in ("UA", "RU"):
                yield source, days, side


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a full store (all three sources)")
    ap.add_argument("--sources", default="liveuamap-nzz,deepstate,isw")
    ap.add_argument("--days", default="1,7,30,90,365")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--baseline-rev", help="time the code of this git revision as the baseline")
    ap.add_argument("--baseline-db", help="the baseline revision's store (a copy at its schema), if not --db")
    ap.add_argument("--dump", help=argparse.SUPPRESS)  # (a baseline's process: the grid as JSON)
    args = ap.parse_args()
    if args.dump:
        import frontwatch

        print(f"# baseline: frontwatch from {Path(frontwatch.__file__).parent}", file=sys.stderr)
        got = {f"{s}:{d}:{side}": run(args.db, s, d, side) for s, d, side in grid(args)}
        Path(args.dump).write_bytes(orjson.dumps(got))
        return 0
    revision = of_revision(args.baseline_rev, args) if args.baseline_rev else None
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}; store {args.db}")  # fmt: skip
    print("| source | window | side | now (s) | measured | baseline (s) | measured | same answer |")
    print("|---|---|---|---|---|---|---|---|")
    worst, over, same_all = 0.0, 0, True
    for source, days, side in grid(args):
        t, n, rows = run(args.db, source, days, side)
        worst, over = max(worst, t), over + (t > 1.0)
        if args.no_baseline:
            base = "—", "—", "—"
        else:
            if revision is not None:
                bt, bn, brows = revision[f"{source}:{days}:{side}"]
            else:
                with baseline():
                    bt, bn, brows = run(args.db, source, days, side)
            same = _plain(brows) == _plain(rows)
            verdict = "yes"
            if not same:  # which one is the full ranking's (every window measured)?
                full = _plain(run(args.db, source, days, side, prune=False)[2])
                same_all &= full == _plain(rows)
                verdict = "**no**: " + ("now = full ranking" if full == _plain(rows) else
                                        "baseline = full ranking" if full == _plain(brows) else "neither")  # fmt: skip
            base = f"{bt:.2f}", f"{bn}", verdict
        print(f"| {source} | {days}d | {side} | {t:.2f} | {n} | {base[0]} | {base[1]} | {base[2]} |", flush=True)
    print(
        f"\nslowest {worst:.2f} s; {over} rankings over 1 s; every answer the baseline's or, where not, "
        f"the full ranking's: {same_all}"
    )
    return 0 if same_all else 1


def _plain(rows: list) -> list:
    return orjson.loads(orjson.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
