"""Benchmark: closing DeepState's seams cell by cell, each cell's gaps remembered by the
edges near it, against closing every map whole (the baseline, #11's method with this
issue's rounding slivers left out, run in the same process on the same layers).

For every Nth DeepState map (the revision archive ``deepstate-history``, then the daily
mirror ``deepstate/daily``, in order) the occupied layer is clipped to the outline as
validation clips it, then closed:

- *whole* (baseline): one closing of the whole layer, its gaps clipped to the outline;
- *cells, remembered*: :func:`frontwatch._seams.close_seams_measured` as ingest runs it,
  ``--workers`` processes taking the maps in turn, each with its own memory of cells;
- *cells, nothing remembered*: the same with the memory emptied first. It must give the
  remembered result to the bit (the result depends on the map alone).

The cells' result is compared with the whole closing's by the gaps' geodesic area (km²)
and the results' symmetric difference in the plane (deg²). Usage::

    python bench/bench_seams.py [--data DIR] [--every 1] [--workers 2] [--rows]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frontwatch import _geo, _seams  # noqa: E402
from frontwatch._recent import Recent  # noqa: E402
from frontwatch._seams import close_seams_measured  # noqa: E402
from frontwatch._tiles import tiled  # noqa: E402
from frontwatch.boundaries import clip_outline  # noqa: E402
from frontwatch.snapshot import _clip_layer  # noqa: E402
from frontwatch.sources import deepstate  # noqa: E402

OUTLINE = "geoboundaries"


def deepstate_maps(data: Path, every: int) -> Iterator:
    """Every ``every``-th raw DeepState map: the revisions, then the daily files."""
    files = sorted((data / "deepstate-history").glob("*.jsonl*")) + sorted((data / "deepstate" / "daily").glob("*"))
    n = 0
    for path in files:
        for raw in deepstate.read(path, path.read_bytes()):
            if n % every == 0:
                yield raw
            n += 1


def whole(geom: shapely.MultiPolygon, outline, width_m: float, tiles) -> tuple[shapely.MultiPolygon, int, float]:
    """The baseline: one closing of the whole layer (the method before the cells)."""
    r = width_m / 2 / (_seams.M_PER_DEG_LAT * np.cos(np.radians(shapely.bounds(geom)[3])))
    closed = shapely.buffer(shapely.buffer(geom, r, **_seams._JOIN), -r, **_seams._JOIN)
    parts = _seams._kept(_seams._gap_pieces(closed, geom), outline, tiles)
    if not parts:
        return geom, 0, 0.0
    filled = shapely.MultiPolygon(parts)
    out = _geo.as_multipolygon(shapely.union(geom, filled))
    return out, len(parts), _geo.area_km2(filled)


def timed(fn, *args, **kwargs) -> tuple[object, float]:
    c = time.process_time()
    out = fn(*args, **kwargs)
    return out, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2, help="processes taking the maps in turn (default 2)")
    ap.add_argument("--rows", action="store_true", help="print one row per map")
    args = ap.parse_args()
    if not (args.data / "deepstate").is_dir():
        print(f"no DeepState data at {args.data / 'deepstate'}", file=sys.stderr)
        return 2
    clip_to, tiles = clip_outline(OUTLINE), tiled(OUTLINE)
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"GEOS {shapely.geos_version_string}, load {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")  # fmt: skip
    memories = [Recent(_seams.CACHE_CELLS) for _ in range(args.workers)]
    rows = []
    for n, raw in enumerate(deepstate_maps(args.data, args.every)):
        occ = _clip_layer(raw.layers["occupied"], clip_to, tiles)[0]
        w = raw.seam_width_m
        (base, n_base, km2_base), c_base = timed(whole, occ, clip_to, w, tiles)
        _seams._CELLS = memories[n % args.workers]
        (cells, n_cells, km2_cells), c_cells = timed(close_seams_measured, occ, clip_to, width_m=w, tiles=tiles)
        _seams._CELLS = Recent(_seams.CACHE_CELLS)
        (cold, n_cold, km2_cold), c_cold = timed(close_seams_measured, occ, clip_to, width_m=w, tiles=tiles)
        same = shapely.equals_exact(cold, cells, 0.0) and (n_cold, km2_cold) == (n_cells, km2_cells)
        deg2 = float(shapely.area(shapely.symmetric_difference(base, cells)))
        rows.append((raw.valid_time.date().isoformat(), raw.kind, c_base, c_cells, c_cold, same,
                     abs(km2_base - km2_cells), deg2))  # fmt: skip
        if args.rows or not same:
            print(f"{rows[-1][0]} {raw.kind:<8} whole {c_base:.3f} s, cells {c_cells:.3f} s (nothing remembered "
                  f"{c_cold:.3f} s); gaps {n_base}/{n_cells}, {rows[-1][6]:.1e} km² apart, results {deg2:.1e} deg² "
                  f"apart{'' if same else '; NOT THE SAME WITHOUT MEMORY'}", flush=True)  # fmt: skip
    print(f"\n{len(rows)} maps (every {args.every}th DeepState map, {args.workers} workers in turn), "
          "CPU seconds a map\n")  # fmt: skip
    print("| closing                    |  mean | median |   max |  total |")
    print("|----------------------------|-------|--------|-------|--------|")
    for name, col in (("whole (baseline)", 2), ("cells, remembered", 3), ("cells, nothing remembered", 4)):
        c = [r[col] for r in rows]
        print(f"| {name:<26} | {statistics.mean(c):5.3f} | {statistics.median(c):6.3f} | {max(c):5.3f} | "
              f"{sum(c):6.1f} |")  # fmt: skip
    print(f"\ncells vs whole (CPU, all maps): {sum(r[2] for r in rows) / sum(r[3] for r in rows):.2f}x faster")
    print(f"cells' hits: {sum(m.hits for m in memories):,} of {sum(m.hits + m.misses for m in memories):,}")
    print(f"the same without memory: {sum(r[5] for r in rows)} of {len(rows)} maps; against the whole closing: "
          f"gaps' area worst {max(r[6] for r in rows):.1e} km² apart, results' symmetric difference worst "
          f"{max(r[7] for r in rows):.1e} deg²")  # fmt: skip
    return 0 if all(r[5] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
