"""Benchmark: ingest the full liveuamap-nzz history and compute its area series.

Compares, in the same run on the same machine:

1. ``orjson`` parse of every file (a floor: no geometry at all);
2. a naive baseline, per file: ``json.load``, geopandas, project to an equal-area CRS,
   ``buffer(0)``, dissolve, area;
3. Frontwatch: ``ingest`` into a fresh store (dedup, repair, clip, geodesic areas, quality
   checks) then ``series`` (areas with net changes), in a child process so its peak memory
   (main and workers) is measured alone;

and checks Frontwatch's areas against PostGIS-style geodesic areas (pyproj ``Geod``, the
algorithm of ``ST_Area(geography)``) of the raw union clipped to the outline.

Usage: ``python bench/bench_ingest.py [--data ../shared/data] [--baseline-files N]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAEA = "+proj=laea +lat_0=48.5 +lon_0=31.5 +ellps=WGS84 +units=m +no_defs"


def parse_only(files: list[Path]) -> float:
    import orjson

    t = time.perf_counter()
    for f in files:
        orjson.loads(gzip.decompress(f.read_bytes()))
    return time.perf_counter() - t


def naive(files: list[Path]) -> tuple[float, dict[str, float]]:
    import geopandas as gpd

    out = {}
    t = time.perf_counter()
    for f in files:
        doc = json.load(gzip.open(f))
        gdf = gpd.GeoDataFrame.from_features(doc["value"]["features"], crs="EPSG:4326")
        gdf = gdf[gdf["type"].isin(["nochange", "gains"])].to_crs(LAEA)
        gdf["geometry"] = gdf.buffer(0)
        out[f.name] = float(gdf.dissolve().area.sum() / 1e6)
    return time.perf_counter() - t, out


FRONTWATCH_RUN = """
import json, sys, time
from frontwatch.store import SQLiteStore
from frontwatch.ingest import ingest
from frontwatch.areas import series
store = SQLiteStore(sys.argv[1])
t = time.perf_counter()
s = ingest(store, "liveuamap-nzz", [sys.argv[2]])
t_ingest = time.perf_counter() - t
t = time.perf_counter()
rows = series(store, "liveuamap-nzz", flows=False)
t_series = time.perf_counter() - t
areas = {r.snapshot_date: r.occupied_km2 for r in rows}
files = {r.valid_date: r.file for r in store.snapshots("liveuamap-nzz")}
print(json.dumps({"ingest_s": t_ingest, "series_s": t_series, "snapshots": s.added,
                  "files": s.files, "areas": areas, "files_by_date": files}))
"""


def frontwatch(folder: Path) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc = subprocess.run(
            [sys.executable, "-c", FRONTWATCH_RUN, str(Path(tmp) / "bench.gpkg"), str(folder)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        peak_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return json.loads(proc.stdout), peak_kb / 1024


def postgis_style(path: Path) -> float:
    """Geodesic area of the raw union (nochange + gains) clipped to the outline."""
    import shapely
    from pyproj import Geod
    from shapely.geometry import shape

    from frontwatch.boundaries import clip_outline

    doc = json.load(gzip.open(path))
    parts = [shape(f["geometry"]) for f in doc["value"]["features"]
             if f["properties"]["type"] in ("nochange", "gains")]  # fmt: skip
    g = shapely.orient_polygons(shapely.intersection(shapely.union_all(parts), clip_outline()))
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(g)[0]) / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--baseline-files", type=int, default=0,
                    help="time the naive baseline on every Nth file only and scale (0: all)")  # fmt: skip
    args = ap.parse_args()
    folder = Path(args.data) / "liveuamap-nzz" / "daily"
    files = sorted(folder.glob("*.json.gz"))
    if not files:
        print(f"no liveuamap-nzz files in {folder}", file=sys.stderr)
        return 2
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    t_parse = parse_only(files)
    sub = files[:: args.baseline_files] if args.baseline_files else files
    t_naive, naive_areas = naive(sub)
    t_naive_all = t_naive * len(files) / len(sub)
    fw, peak_mb = frontwatch(folder)
    t_fw = fw["ingest_s"] + fw["series_s"]
    # accuracy: every 25th snapshot against the PostGIS-style computation
    worst = 0.0
    checked = 0
    for i, (day, km2) in enumerate(sorted(fw["areas"].items())):
        if i % 25:
            continue
        ref = postgis_style(Path(fw["files_by_date"][day]))
        worst = max(worst, abs(km2 - ref) / ref)
        checked += 1
    rows = [
        ("orjson parse only (floor)", t_parse, ""),
        (f"naive geopandas baseline ({len(sub)} files{' scaled' if sub is not files else ''})",
         t_naive_all, "1.0x"),
        ("frontwatch ingest", fw["ingest_s"], ""),
        ("frontwatch series (areas, net)", fw["series_s"], ""),
        ("frontwatch ingest + series", t_fw, f"{t_naive_all / t_fw:.1f}x faster"),
    ]  # fmt: skip
    print(f"\nliveuamap-nzz: {len(files)} files -> {fw['snapshots']} snapshots\n")
    print(f"| {'step':<48} | {'seconds':>8} | {'vs baseline':>14} |")
    print(f"|{'-' * 50}|{'-' * 10}|{'-' * 16}|")
    for name, secs, note in rows:
        print(f"| {name:<48} | {secs:8.2f} | {note:>14} |")
    print(f"\npeak memory (frontwatch child, RSS): {peak_mb:,.0f} MB")
    print(f"area accuracy vs PostGIS-style geodesic area: worst {worst * 100:.5f} % "
          f"over {checked} snapshots (target < 0.01 %)")  # fmt: skip
    target_ok = t_naive_all / t_fw >= 10 and worst < 1e-4 and peak_mb < 2048
    print("targets (>=10x, <0.01 %, <2 GB):", "met" if target_ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
