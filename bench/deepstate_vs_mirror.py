"""Check: DeepState's revisions against its daily mirror over their overlap (2024-07-08 ..
2025-08-03), by the same rules: line-of-contact length and places' distances.

Each daily file is paired with the revision it shows (``sources.deepstate_mirror.closest_revision``: of the
revisions whose areas agree with it, as the ingest's check pairs them, and the one current
at the download, the one closest by geometry; the mirror is sometimes a day or two off). For every pair:
the ``front`` rule's length on both, and the distance of a fixed set of places (deep in the
occupied east, on the line, in Ukrainian-held towns) to the other side on both. Prints a
table per place and a summary; the store must hold the revision archive and the daily
mirror, ingested by this version (seams closed).

Usage: ``python bench/deepstate_vs_mirror.py --db STORE [--every N]``
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import shapely

PLACES = [  # (name, oblast)
    ("Donetsk", "Donetsk"), ("Horlivka", "Donetsk"), ("Luhansk", "Luhansk"), ("Shchastia", "Luhansk"),
    ("Avdiivka", "Donetsk"), ("Mariupol", "Donetsk"), ("Melitopol", "Zaporizhzhia"),
    ("Pokrovsk", "Donetsk"), ("Toretsk", "Donetsk"), ("Chasiv Yar", "Donetsk"), ("Kurakhove", "Donetsk"),
    ("Vuhledar", "Donetsk"), ("Kupiansk", "Kharkiv"), ("Robotyne", "Zaporizhzhia"),
    ("Kramatorsk", "Donetsk"), ("Sloviansk", "Donetsk"), ("Kostiantynivka", "Donetsk"),
    ("Zaporizhzhia", "Zaporizhzhia"), ("Kharkiv", "Kharkiv"), ("Kherson", "Kherson"),
]  # fmt: skip
OVERLAP = ("2024-07-07", "2025-08-03")
"""Valid dates of the daily files that the revisions overlap (file 2024-07-08 is valid 07-07)."""


def distance_km(store, rec, lon: float, lat: float) -> float:
    """The ``distance`` rule on one snapshot: to the line of contact from a Russian-held
    place, to the occupied area from a Ukrainian-held one (km, geodesic)."""
    from frontwatch.frontline import front_of, nearest

    occ = store.layer(rec.id)
    target = front_of(store, rec) if shapely.intersects_xy(occ, lon, lat) else occ
    return nearest(target, lon, lat).distance_km


def pairs(store, *, every: int = 1) -> list[tuple]:
    """(daily record, its revision, days off) over the overlap, every ``every``-th."""
    from frontwatch.sources.deepstate_mirror import closest_revision

    daily = [r for r in store.snapshots("deepstate", usable_only=False)
             if r.kind == "daily" and OVERLAP[0] <= r.valid_date <= OVERLAP[1]]  # fmt: skip
    out = []
    for d in daily[::every]:
        p = closest_revision(store, d)
        if p is not None:
            out.append((d, *p))
    return out


def compare(store, *, every: int = 1) -> dict:
    """Front lengths and distances on both sides of every pair."""
    from frontwatch.frontline import front_of, length_km
    from frontwatch.gazetteer import resolve_one

    places = [resolve_one(n, oblast=o) for n, o in PLACES]
    rows = []
    for d, rev, off in pairs(store, every=every):
        row = {"daily": d.valid_date, "revision": rev.valid_time, "days_off": off,
               "front_rev_km": length_km(front_of(store, rev)), "front_mirror_km": length_km(front_of(store, d)),
               "area_rev_km2": rev.occupied_km2, "area_mirror_km2": d.occupied_km2}  # fmt: skip
        row["dist"] = {p.name: (distance_km(store, rev, p.lon, p.lat), distance_km(store, d, p.lon, p.lat))
                       for p in places}  # fmt: skip
        rows.append(row)
    return {"rows": rows, "places": [p.name for p in places]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a store with the DeepState revisions and daily mirror")
    ap.add_argument("--every", type=int, default=1, help="every Nth daily file only")
    args = ap.parse_args()
    from frontwatch.store import SQLiteStore

    store = SQLiteStore(args.db)
    t = time.perf_counter()
    res = compare(store, every=args.every)
    rows = res["rows"]
    if not rows:
        print("no daily files paired with revisions in the store", file=sys.stderr)
        return 2
    rel = np.array([r["front_rev_km"] / r["front_mirror_km"] - 1 for r in rows]) * 100
    worst = rows[int(np.argmax(np.abs(rel)))]
    print(f"{len(rows)} pairs (daily file ↔ revision), {sum(r['days_off'] != 0 for r in rows)} with the mirror "
          f"a day or more off; {time.perf_counter() - t:.0f} s\n")  # fmt: skip
    print("| measure | revision − mirror: median | max abs | pairs beyond the tolerance |")
    print("|---|---|---|---|")
    print(f"| front length (tolerance 2%) | {np.median(rel):+.2f}% | {np.max(np.abs(rel)):.2f}% "
          f"({worst['daily']}: {worst['front_rev_km']:,.1f} vs {worst['front_mirror_km']:,.1f} km) | "
          f"{int(np.sum(np.abs(rel) > 2))} |")  # fmt: skip
    area = np.array([r["area_rev_km2"] / r["area_mirror_km2"] - 1 for r in rows]) * 100
    print(f"| occupied area | {np.median(area):+.4f}% | {np.max(np.abs(area)):.4f}% | |")
    for name in res["places"]:
        diff = np.array([r["dist"][name][0] - r["dist"][name][1] for r in rows])
        k = int(np.argmax(np.abs(diff)))
        rev_d, mir_d = rows[k]["dist"][name]
        print(f"| distance {name} (tolerance 1 km) | {np.median(diff):+.2f} km | {abs(diff[k]):.2f} km "
              f"({rows[k]['daily']}: {rev_d:.1f} vs {mir_d:.1f}) | {int(np.sum(np.abs(diff) > 1))} |")  # fmt: skip
    day = next((r for r in rows if r["daily"] == "2024-11-30"), None)
    if day:
        print(f"\n2024-11-30: front {day['front_rev_km']:,.1f} km (revision) vs {day['front_mirror_km']:,.1f} km "
              "(mirror); " + ", ".join(f"{n} {a:.1f}/{b:.1f} km" for n, (a, b) in day["dist"].items()
                                        if n in ("Donetsk", "Horlivka", "Avdiivka", "Shchastia")))  # fmt: skip
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
