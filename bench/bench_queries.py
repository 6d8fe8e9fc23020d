"""Benchmark: the analytics queries behind ``frontwatch check`` and the rankings on a full
store, the fast paths beside the plain paths in the same run.

For each query:

- *plain*: a store opened with ``fast_paths=False``: every difference by two overlays of
  the whole maps, every window measured, every grid point's distance sorted, no caches
  (today's code path, kept callable);
- *fast, new store*: a newly opened store (no in-memory caches; the file's caches of
  steps and pair areas as they are, see the first lines of the output);
- *fast, again*: the same query again on that store object (warm).

The answers of the plain and fast paths are compared (JSON, keys sorted).

Usage::

    python bench/bench_queries.py --db STORE [--cold [--ingest-steps]] [--no-writes] [--more]
                                  [--no-plain] [--cli] [--text]

``--cold`` empties the store's caches (steps, pair areas) first: it writes to STORE, so
give it a copy; ``--ingest-steps`` then stores the steps as ingest now does (timed), and
``--no-writes`` opens the fast stores as read-only ones, so that no query keeps a result
for the next (warm = the OS file cache only). ``--more`` adds the other queries of the
speed targets (#14), fast path only. ``--cli`` also times the ``frontwatch check`` command (a new process each
time: imports included). ``--text`` also checks two generated texts of 100 KB (fast path
only; see :func:`text_like_the_article` and :func:`text_of_many_windows`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "samples" / "articles" / "2022-09-ukraine-retook-1000-km2.txt"
SOURCES = ["liveuamap-nzz", "deepstate", "isw"]


def queries(article: Path) -> list[tuple[str, object]]:
    """(label, function of a store) for each benchmarked query."""
    from frontwatch.advance import distance_series, since
    from frontwatch.changes import top_windows
    from frontwatch.claims.check import check_file
    from frontwatch.gazetteer import resolve_one

    pokrovsk = resolve_one("Pokrovsk")
    return [
        ("check seed article, 3 sources",
         lambda s: check_file(s, article, published="2022-09-10", sources=SOURCES)),
        ("since liveuamap-nzz 2022-09-08 → 09-11, UA",
         lambda s: since(s, "liveuamap-nzz", "2022-09-08", "2022-09-11", side="UA")),
        ("top --window 7d liveuamap-nzz",
         lambda s: top_windows(s, "liveuamap-nzz", days=7, side="UA", limit=10)),
        ("top --window 30d deepstate",
         lambda s: top_windows(s, "deepstate", days=30, side="UA", limit=10)),
        ("distance Pokrovsk deepstate 2024-07-01 → 2025-08-01",
         lambda s: distance_series(s, "deepstate", pokrovsk, "2024-07-01", "2025-08-01")),
    ]  # fmt: skip


def more_queries() -> list[tuple[str, object]]:
    """(label, function of a store) for the other queries the speed targets name (#14)."""
    from frontwatch.advance import distance_series, since
    from frontwatch.areas import series
    from frontwatch.changes import compare_sources, top_windows
    from frontwatch.gazetteer import resolve_one
    from frontwatch.settlements import changed_places

    donetsk = resolve_one("Donetsk")
    return [
        ("top --window 1d deepstate RU", lambda s: top_windows(s, "deepstate", days=1, side="RU", limit=10)),
        ("top --window 7d isw", lambda s: top_windows(s, "isw", days=7, side="UA", limit=10)),
        ("top --window 90d liveuamap-nzz RU",
         lambda s: top_windows(s, "liveuamap-nzz", days=90, side="RU", limit=10)),
        ("top --window 365d deepstate RU",
         lambda s: top_windows(s, "deepstate", days=365, side="RU", limit=10)),
        ("since deepstate 2022-09-01 → 09-30, UA",
         lambda s: since(s, "deepstate", "2022-09-01", "2022-09-30", side="UA")),
        ("since deepstate 2025-07-01 → 08-01, RU",
         lambda s: since(s, "deepstate", "2025-07-01", "2025-08-01", side="RU")),
        ("distance Donetsk (RU-held) deepstate 2024-07-01 → 2025-08-01",
         lambda s: distance_series(s, "deepstate", donetsk, "2024-07-01", "2025-08-01")),
        ("series deepstate, every map, with flows", lambda s: series(s, "deepstate")),
        ("places --changed liveuamap-nzz 2022-09-06 → 09-11",
         lambda s: changed_places(s, "liveuamap-nzz", "2022-09-06", "2022-09-11")),
        ("change --source all --by oblast 2022-09-04 → 09-11",
         lambda s: compare_sources(s, SOURCES, "2022-09-04", "2022-09-11", by_oblast=True)),
    ]  # fmt: skip


def timed(fn, store) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(store)
    return time.perf_counter() - t, out


def as_json(value) -> bytes:
    return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def differences(a, b, path="") -> list[str]:
    """Where two JSON-like values differ (paths and both values)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += differences(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if as_json(a) == as_json(b) else [f"{path}: {a!r} / {b!r}"]


def cache_state(store) -> str:
    steps = store.conn.execute("SELECT count(*) FROM fw_steps").fetchone()[0]
    pairs = store.conn.execute("SELECT count(*) FROM fw_changes").fetchone()[0]
    return f"{steps:,} cached steps, {pairs:,} cached pair areas"


PLACES = ["Kupiansk", "Izium", "Lyman", "Balakliia", "Bakhmut", "Avdiivka", "Pokrovsk", "Vuhledar",
          "Kurakhove", "Siversk", "Kreminna", "Vovchansk", "Svatove", "Sviatohirsk", "Huliaipole",
          "Orikhiv", "Kherson", "Soledar", "Marinka", "Toretsk"]  # fmt: skip
FILLER = [
    "Officials said the situation on the ground remained difficult.",
    "The claim could not be independently verified.",
    "Residents described days of shelling and power cuts.",
    "Analysts cautioned that front-line reports are often incomplete.",
]


def text_like_the_article(size: int = 100_000, seed: int = 20220910) -> str:
    """About ``size`` bytes of variants of the seed article: its sentences with other
    places and figures (claims relative to the publication date, so most windows recur)."""
    rng = random.Random(seed)
    base = ARTICLE.read_text()
    out, n = [], 0
    while n < size:
        a, b = rng.sample(PLACES, 2)
        t = (base.replace("Kupiansk", a).replace("Balakliya", b).replace("1,000", f"{rng.choice([500, 800, 1000, 2000]):,}")
             .replace("15 kilometers", f"{rng.choice([5, 10, 15, 25])} kilometers")
             .replace("50km", f"{rng.choice([20, 30, 50, 70])}km"))  # fmt: skip
        out.append(t)
        n += len(t.encode())
    return "\n\n".join(out)


def text_of_many_windows(size: int = 100_000, seed: int = 20220911) -> str:
    """About ``size`` bytes of news-like sentences, half of them claims with their own
    explicit dates in August-September 2022 (every window new: the worst case for the
    caches), the rest filler."""
    rng = random.Random(seed)
    first, last = dt.date(2022, 8, 25), dt.date(2022, 9, 28)

    def fmt(d: dt.date) -> str:
        return f"{d.day} {d.strftime('%B')} {d.year}"

    def claim() -> str:
        d1 = first + dt.timedelta(days=rng.randrange((last - first).days))
        d2 = min(d1 + dt.timedelta(days=rng.choice([1, 3, 7, 7, 14])), dt.date(2022, 9, 30))
        p, n, k = rng.choice(PLACES), rng.choice([50, 100, 200, 500, 1000]), rng.choice([5, 10, 20, 30])
        return rng.choice([
            f"Between {fmt(d1)} and {fmt(d2)}, Russian forces took {n} square kilometres near {p}.",
            f"Ukraine said it had retaken more than {n} sq km between {fmt(d1)} and {fmt(d2)}.",
            f"Ukrainian troops are {k} km from {p}, the general staff said on {fmt(d2)}.",
            f"On {fmt(d2)}, Russia claimed to control {p}.",
            f"In the Kharkiv region, more than {k} villages were retaken by Ukraine between {fmt(d1)} and {fmt(d2)}.",
            f"Ukrainian forces advanced {k} km between {fmt(d1)} and {fmt(d2)} near {p}.",
        ])  # fmt: skip

    out, n = [], 0
    while n < size:
        para = " ".join(claim() if rng.random() < 0.55 else rng.choice(FILLER) for _ in range(5))
        out.append(para)
        n += len(para) + 2
    return "\n\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a full store (all three sources)")
    ap.add_argument("--cold", action="store_true", help="empty the store's caches first (writes to it)")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain paths")
    ap.add_argument("--cli", action="store_true", help="time the frontwatch check command too")
    ap.add_argument("--text", action="store_true", help="check two generated 100 KB texts too")
    ap.add_argument(
        "--ingest-steps",
        action="store_true",
        help="after --cold, store the steps as ingest now does (timed; writes to STORE)",
    )
    ap.add_argument(
        "--no-writes", action="store_true", help="open the fast stores read-only: no query keeps anything for the next one"
    )
    ap.add_argument("--more", action="store_true", help="the other queries of the #14 targets too")
    ap.add_argument("--answers", default=None, help="write the fast answers (JSON) to this file")
    args = ap.parse_args()
    from frontwatch.boundaries import clip_outline, held_before_2022
    from frontwatch.claims.check import check_file
    from frontwatch.gazetteer import gazetteer
    from frontwatch.store import SQLiteStore

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.platform()}")  # fmt: skip
    store = SQLiteStore(args.db)
    if args.cold:
        with store.transaction():
            store.conn.execute("DELETE FROM fw_steps")
            store.conn.execute("DELETE FROM fw_changes")
    if args.ingest_steps:
        from frontwatch.steps import derive_steps

        for source in SOURCES:
            t = time.perf_counter()
            n = derive_steps(store, source)
            print(f"steps as ingest stores them, {source}: {n:,} in {time.perf_counter() - t:.1f} s")
    print(f"store {args.db}: {cache_state(store)}")
    store.close()
    gazetteer(), clip_outline(), clip_outline("osm-land"), held_before_2022()  # loaded once per process
    rows = []
    more = more_queries() if args.more else []
    answers: dict[str, object] = {}
    for label, fn in queries(ARTICLE) + more:
        plain = None
        if not args.no_plain and (label, fn) not in more:  # (the others: fast path only)
            with SQLiteStore(args.db, fast_paths=False) as s:
                t_plain, plain = timed(fn, s)
        with SQLiteStore(args.db) as s:
            s.read_only = s.read_only or args.no_writes  # (as a read-only file: keep() writes nothing)
            t_new, fast = timed(fn, s)
            t_again, again = timed(fn, s)
        answers[label] = as_json_tree(fast)
        diff = differences(as_json_tree(plain), as_json_tree(fast)) if plain is not None else []
        assert not differences(as_json_tree(fast), as_json_tree(again)), f"{label}: the warm run differs"
        same = "—" if plain is None else ("yes" if not diff else f"no ({len(diff)})")
        rows.append((label, None if plain is None else t_plain, t_new, t_again, same))
        print(f"  {label}: {t_new:.2f} s, again {t_again:.2f} s", flush=True)
        for d in diff[:10]:
            print(f"      {d}")
    if args.answers:
        Path(args.answers).write_bytes(as_json(answers))
    if args.cli:
        cmd = [str(Path(sys.executable).with_name("frontwatch")), "--db", args.db, "check", str(ARTICLE),
               "--published", "2022-09-10", "--format", "json"] + [x for s in SOURCES for x in ("--source", s)]  # fmt: skip
        times = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        rows.append(("CLI: frontwatch check seed article (new process, median of 5)", None, times[0],
                     statistics.median(times[1:]), "—"))  # fmt: skip
    if args.text:
        for label, make in (("check 100 KB: variants of the seed article", text_like_the_article),
                            ("check 100 KB: claims on their own windows", text_of_many_windows)):  # fmt: skip
            text = make()
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "text.txt"
                path.write_text(text)
                with SQLiteStore(args.db) as s:
                    t_new, res = timed(lambda st, p=path: check_file(st, p, published="2022-09-30", sources=SOURCES), s)
                    t_again, _ = timed(lambda st, p=path: check_file(st, p, published="2022-09-30", sources=SOURCES), s)
            rows.append((f"{label} ({len(text.encode()):,} B, {len(res)} claims)",
                         None, t_new, t_again, "—"))  # fmt: skip
            print(f"  {label}: done", flush=True)
    print()
    print(f"| {'query':<62} | plain (s) | fast, new store (s) | fast, again (s) | plain / fast | same answer |")
    print(f"|{'-' * 64}|-----------|---------------------|-----------------|--------------|-------------|")
    for label, tp, tn, ta, same in rows:
        p = f"{tp:9.2f}" if tp is not None else f"{'':9}"
        ratio = f"{tp / tn:5.0f}× / {tp / ta:.0f}×" if tp is not None else ""
        print(f"| {label:<62} | {p} | {tn:19.2f} | {ta:15.2f} | {ratio:>12} | {same:>11} |")
    with SQLiteStore(args.db) as s:
        print(f"\nstore after: {cache_state(s)}")
    return 0


def as_json_tree(value):
    return orjson.loads(as_json(value)) if value is not None else None


if __name__ == "__main__":
    sys.exit(main())
