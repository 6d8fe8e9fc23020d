"""The part that outgrows one store: events joined to the control polygon of their day, on
DuckDB's spatial extension, from Frontwatch's GeoParquet export.

    python bench/duckdb_events.py [--db STORE] [--source liveuamap-nzz] [--events 200000]

1. exports a source's snapshots as GeoParquet (``frontwatch export --format parquet``);
2. writes a synthetic, seeded event table shaped like ACLED's (``event_id``,
   ``event_date``, ``latitude``, ``longitude``) as Parquet: real event data sets are
   licensed and not fetched here, the join is the same;
3. in DuckDB: the event's day picks the snapshot (``valid_from <= day < valid_to``), a
   point-in-polygon test on the ``occupied`` layer says who held the ground; events per
   month and side;
4. checks both against Frontwatch's own answers: every event's side against shapely on the
   same polygons, and ``ST_Area_Spheroid`` (which takes latitude, longitude: hence
   ``ST_FlipCoordinates``) against the stored geodesic areas.

Without ``--db`` it builds a store of the bundled sample (liveuamap-nzz, Aug-Sep 2022).
Needs the ``scale`` extra (``duckdb``, ``duckdb-ext-spatial``: the extension comes in the
wheel, nothing is downloaded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20220908
BBOX = (33.0, 46.0, 40.2, 51.0)  # lon/lat: the east and south, where the front ran


def duckdb_spatial():
    """A DuckDB connection with the spatial extension loaded from its PyPI wheel."""
    import duckdb
    import duckdb_ext  # (a namespace package: the wheel's extension directory)

    ext_dir = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    con = duckdb.connect(config={"extension_directory": str(ext_dir), "autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})  # fmt: skip
    con.execute("LOAD spatial")
    return con


def synthetic_events(path: Path, n: int, first: dt.date, last: dt.date) -> None:
    """``n`` events, uniform over :data:`BBOX` and the days ``first``..``last``."""
    rng = np.random.default_rng(SEED)
    days = (last - first).days + 1
    table = pa.table({
        "event_id": np.arange(n, dtype=np.int64),
        "event_date": np.datetime64(first.isoformat()) + rng.integers(0, days, n).astype("timedelta64[D]"),
        "longitude": rng.uniform(BBOX[0], BBOX[2], n),
        "latitude": rng.uniform(BBOX[1], BBOX[3], n),
    })  # fmt: skip
    pq.write_table(table, path)


CELL = 0.25
"""Degrees: the polygons are cut on this grid before the join, so that each point is tested
against a small piece found by an equi-join on its cell (the plan Sedona runs too)."""
PIECES = f"""
CREATE TABLE pieces AS
WITH cells AS (
  SELECT cx, cy, ST_MakeEnvelope(cx * {CELL}, cy * {CELL}, (cx + 1) * {CELL}, (cy + 1) * {CELL}) AS cell
  FROM range(CAST(floor(22 / {CELL}) AS INT), CAST(ceil(41 / {CELL}) AS INT)) AS x(cx),
       range(CAST(floor(44 / {CELL}) AS INT), CAST(ceil(53 / {CELL}) AS INT)) AS y(cy))
SELECT s.snapshot_id, s.valid_from, s.valid_to, c.cx, c.cy,
       ST_Intersection(s.geom, c.cell) AS geom, ST_Covers(s.geom, c.cell) AS whole
FROM snaps s JOIN cells c ON ST_Intersects(s.geom, c.cell)
"""
JOIN = f"""
CREATE TABLE joined AS
SELECT e.event_id, e.event_date, p.snapshot_id, p.valid_from
FROM events e
JOIN pieces p
  ON p.cx = CAST(floor(e.longitude / {CELL}) AS INT) AND p.cy = CAST(floor(e.latitude / {CELL}) AS INT)
 AND e.event_date >= p.valid_from AND (p.valid_to IS NULL OR e.event_date < p.valid_to)
 AND (p.whole OR ST_Intersects(p.geom, ST_Point(e.longitude, e.latitude)))
"""
BY_MONTH = """
SELECT strftime(date_trunc('month', e.event_date), '%Y-%m') AS month, count(*) AS events,
       count(j.event_id) AS in_occupied, round(100.0 * count(j.event_id) / count(*), 2) AS pct_occupied
FROM events e LEFT JOIN joined j USING (event_id)
WHERE e.event_date >= (SELECT min(valid_from) FROM snaps)
GROUP BY 1 ORDER BY 1
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="a store (file or postgresql:// URL); default: one of the bundled sample")
    ap.add_argument("--source", default="liveuamap-nzz")
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--keep", help="a folder to keep the Parquet files in")
    args = ap.parse_args()

    from frontwatch.export import export, rows
    from frontwatch.ingest import ingest
    from frontwatch.store import open_store

    tmp = Path(args.keep or tempfile.mkdtemp(prefix="fw-duckdb-"))
    tmp.mkdir(parents=True, exist_ok=True)
    if args.db:
        store = open_store(args.db, create=False)
    else:
        store = open_store(tmp / "sample.gpkg", create=True)
        if not store.snapshots(args.source):
            ingest(store, args.source, [ROOT / "samples" / args.source], workers=1)
    t = time.perf_counter()
    snaps_path = tmp / f"{args.source}.parquet"
    export(store, args.source, "parquet", snaps_path)
    t_export = time.perf_counter() - t
    occupied = [r for r in rows(store, args.source) if r.layer == "occupied"]
    first, last = occupied[0].valid_from, occupied[-1].valid_from
    events_path = tmp / "events.parquet"
    synthetic_events(events_path, args.events, first, last)

    con = duckdb_spatial()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE events AS SELECT * FROM read_parquet('{events_path}')")
    kind = con.execute(f"SELECT typeof(geometry) FROM read_parquet('{snaps_path}') LIMIT 1").fetchone()[0]
    geom = "geometry" if kind == "GEOMETRY" else "ST_GeomFromWKB(geometry)"
    con.execute(f"""CREATE TABLE snaps AS SELECT snapshot_id, valid_from, valid_to, area_km2, {geom} AS geom
                    FROM read_parquet('{snaps_path}') WHERE layer = 'occupied'""")
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(PIECES)
    t_cut = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(JOIN)
    t_join = time.perf_counter() - t
    months = con.execute(BY_MONTH).fetchall()

    # checks against Frontwatch's own geometry (shapely) and geodesic areas
    ev = con.execute("SELECT event_id, event_date, longitude, latitude FROM events ORDER BY event_id").fetchnumpy()
    inside = set(con.execute("SELECT event_id FROM joined").fetchnumpy()["event_id"].tolist())
    expected = set()
    dates = ev["event_date"].astype("datetime64[D]")
    for r in occupied:
        lo = np.datetime64(r.valid_from.isoformat())
        hi = np.datetime64(r.valid_to.isoformat()) if r.valid_to else np.datetime64("9999-12-31")
        pick = (dates >= lo) & (dates < hi)
        hit = shapely.contains_xy(r.geometry, ev["longitude"][pick], ev["latitude"][pick])
        expected.update(ev["event_id"][pick][hit].tolist())
    areas = con.execute("SELECT max(abs(ST_Area_Spheroid(ST_FlipCoordinates(geom)) / 1e6 - area_km2) / area_km2)"
                        " FROM snaps").fetchone()[0]  # fmt: skip
    n_snaps = con.execute("SELECT count(*) FROM snaps").fetchone()[0]

    print(f"## DuckDB {con.execute('SELECT version()').fetchone()[0]}: {args.events:,} events x {n_snaps} maps"
          f" of {args.source} ({first} to {last})\n")  # fmt: skip
    print(f"- GeoParquet export: {snaps_path.stat().st_size / 1e6:.1f} MB in {t_export:.2f} s;"
          f" events: {events_path.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    n_pieces = con.execute("SELECT count(*) FROM pieces").fetchone()[0]
    print(f"- load both into DuckDB: {t_load:.2f} s; cut the maps on a {CELL}° grid: {t_cut:.2f} s ({n_pieces:,} pieces);"
          f" join (the day picks the map, the cell the piece, then point in polygon): {t_join:.2f} s")  # fmt: skip
    print(f"- events on occupied ground: {len(inside):,}; the same events by shapely: {inside == expected}"
          f" ({len(expected):,})")  # fmt: skip
    print(f"- ST_Area_Spheroid(ST_FlipCoordinates(geom)) vs stored geodesic km²: largest difference {areas:.1e} (relative)")
    print("\n| month | events | on occupied ground | % |\n|---|---:|---:|---:|")
    for month, n, occ, pct in months:
        print(f"| {month} | {n:,} | {occ:,} | {pct} |")
    if inside != expected:
        sys.exit("DuckDB and shapely disagree")


if __name__ == "__main__":
    main()
