"""Benchmark: where closing DeepState's seams spends its time, and a trial of clipping
the gaps cell by cell instead of by the whole outline.

For every Nth DeepState map (the revision archive ``deepstate-history``, then the daily
mirror ``deepstate/daily``, in order) the occupied layer is clipped to the outline as
validation clips it, then:

- *plain* (the baseline): :func:`frontwatch._seams.close_seams` as ingest runs it, timed
  whole, and step by step (the closing: two mitred buffers; the difference that gives the
  gaps; the gaps kept or clipped by the outline; the union back into the layer), the
  steps checked to give exactly the same geometry;
- *cells* (a trial, not used by ingest): the same closing and gaps, kept, dropped or
  clipped by the outline's part in their cell of the tiled outline
  (:func:`frontwatch._tiles.tiled`) instead of by one overlay with the whole outline.

The two results are compared by geodesic area (relative), by the geodesic area of their
symmetric difference (km²) and by the same two in plane lon/lat degrees. Usage::

    python bench/bench_seams.py [--data DIR] [--every 10] [--rows]
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

from frontwatch import _geo  # noqa: E402
from frontwatch._seams import _JOIN, M_PER_DEG_LAT, close_seams  # noqa: E402
from frontwatch._tiles import BOUNDARY, INSIDE, TiledOutline, tiled  # noqa: E402
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


def closing_of(geom: shapely.MultiPolygon, width_m: float) -> shapely.Geometry:
    """The morphological closing :func:`close_seams` starts from (two mitred buffers)."""
    r = width_m / 2 / (M_PER_DEG_LAT * np.cos(np.radians(shapely.bounds(geom)[3])))
    closed = shapely.buffer(shapely.buffer(geom, r, **_JOIN), -r, **_JOIN)
    return closed


def plain_by_step(geom: shapely.MultiPolygon, outline, width_m: float) -> tuple[shapely.MultiPolygon, dict]:
    """:func:`close_seams`, step by step, with each step's CPU time (s)."""
    t: dict[str, float] = {}
    c = time.process_time()
    closed = closing_of(geom, width_m)
    t["closing"], c = time.process_time() - c, time.process_time()
    gaps = shapely.get_parts(shapely.difference(closed, geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    t["difference"], c = time.process_time() - c, time.process_time()
    inside = shapely.contains_properly(outline, gaps)
    parts = list(gaps[inside])
    if not inside.all():
        parts += _geo.polygons_of(shapely.intersection(shapely.MultiPolygon(list(gaps[~inside])), outline))
    t["clip to outline"], c = time.process_time() - c, time.process_time()
    out = _geo.as_multipolygon(shapely.union(geom, shapely.MultiPolygon(parts))) if parts else geom
    t["union"] = time.process_time() - c
    return out, t


def cells_trial(geom: shapely.MultiPolygon, outline, width_m: float, tiles: TiledOutline) -> shapely.MultiPolygon:
    """The trial: the gaps of a cell inside the outline kept whole, of a cell outside it
    dropped, of a cell on its edge kept when the outline contains them properly, dropped
    when they do not meet it, else clipped (all of a cell's at once) by the outline's part
    in that cell; a gap across a grid line clipped by the whole outline."""
    closed = closing_of(geom, width_m)
    gaps = shapely.get_parts(shapely.difference(closed, geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    b = shapely.bounds(gaps)
    i = np.floor((b[:, 0] - tiles.x0) / tiles.cell).astype(np.int64)
    j = np.floor((b[:, 1] - tiles.y0) / tiles.cell).astype(np.int64)
    one = ((np.floor((b[:, 2] - tiles.x0) / tiles.cell) == i) & (np.floor((b[:, 3] - tiles.y0) / tiles.cell) == j)
           & (i >= 0) & (j >= 0) & (i < tiles.nx) & (j < tiles.ny))  # fmt: skip
    status = np.full(len(gaps), BOUNDARY, dtype=np.int8)
    status[one] = tiles.status[i[one], j[one]]
    parts = list(gaps[status == INSIDE])
    edge = np.nonzero(status == BOUNDARY)[0]
    inside = shapely.contains_properly(outline, gaps[edge])
    parts += list(gaps[edge[inside]])
    edge = edge[~inside]
    edge = edge[shapely.intersects(outline, gaps[edge])]
    cells: dict[tuple[int, int] | None, list] = {}
    for k in edge:
        cells.setdefault((int(i[k]), int(j[k])) if one[k] else None, []).append(gaps[k])
    for key, group in cells.items():
        clip_to = outline if key is None else tiles.parts[key]
        parts += _geo.polygons_of(shapely.intersection(shapely.MultiPolygon(group), clip_to))
    return _geo.as_multipolygon(shapely.union(geom, shapely.MultiPolygon(parts))) if parts else geom


def timed(fn, *args, **kwargs) -> tuple[object, float, float]:
    c, w = time.process_time(), time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.process_time() - c, time.perf_counter() - w


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--rows", action="store_true", help="print one row per map")
    args = ap.parse_args()
    if not (args.data / "deepstate").is_dir():
        print(f"no DeepState data at {args.data / 'deepstate'}", file=sys.stderr)
        return 2
    clip_to, tiles = clip_outline(OUTLINE), tiled(OUTLINE)
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"GEOS {shapely.geos_version_string}, load {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")  # fmt: skip
    rows, steps = [], []
    for raw in deepstate_maps(args.data, args.every):
        occ = _clip_layer(raw.layers["occupied"], clip_to, tiles)[0]
        (a, _), ca, wa = timed(close_seams, occ, clip_to, width_m=raw.seam_width_m)
        by_step, t = plain_by_step(occ, clip_to, raw.seam_width_m)
        if not shapely.equals_exact(by_step, a, 0.0):
            raise SystemExit(f"{raw.file}: the steps do not give close_seams's result")
        steps.append(t)
        b, cb, wb = timed(cells_trial, occ, clip_to, raw.seam_width_m, tiles)
        km2_a, km2_b = _geo.area_km2(a), _geo.area_km2(b)
        sym = shapely.symmetric_difference(a, b)
        rows.append((raw.valid_time.date().isoformat(), raw.kind, ca, cb, wa, wb, abs(km2_b - km2_a) / km2_a,
                     _geo.area_km2(sym), abs(b.area - a.area) / a.area, sym.area,
                     shapely.get_num_coordinates(a), shapely.get_num_coordinates(b)))  # fmt: skip
        if args.rows:
            day, kind, c1, c2, _, _, rel, km2, prel, deg2, va, vb = rows[-1]
            print(f"{day} {kind:<8} plain {c1:.3f} s cells {c2:.3f} s (CPU); geodesic rel {rel:.1e}, "
                  f"sym {km2:.1e} km²; plane rel {prel:.1e}, sym {deg2:.1e} deg²; vertices {va}/{vb}",
                  flush=True)  # fmt: skip
    ca = [r[2] for r in rows]
    cb = [r[3] for r in rows]
    print(f"\n{len(rows)} maps (every {args.every}th DeepState map), CPU seconds a map\n")
    print("| step                       |  mean | median |   max |")
    print("|----------------------------|-------|--------|-------|")
    for name, c in (("plain close_seams (whole)", ca), *((f"- {k}", [t[k] for t in steps]) for k in steps[0]),
                    ("cells trial (whole)", cb)):  # fmt: skip
        print(f"| {name:<26} | {statistics.mean(c):5.3f} | {statistics.median(c):6.3f} | {max(c):5.3f} |")
    ratio = [x / y for x, y in zip(ca, cb, strict=True) if y > 0]
    print(f"\ncells trial vs plain (CPU): median {statistics.median(ratio):.2f}x, min {min(ratio):.2f}x, "
          f"max {max(ratio):.2f}x; total {sum(ca):.1f} s -> {sum(cb):.1f} s")  # fmt: skip
    for label, k, lim in (("geodesic area, relative", 6, 1e-9), ("geodesic symmetric difference, km²", 7, 1e-6),
                          ("plane area, relative", 8, 1e-9), ("plane symmetric difference, deg²", 9, 1e-10)):  # fmt: skip
        worst = max(r[k] for r in rows)
        print(f"{label}: worst {worst:.1e}, over {lim:g} on {sum(r[k] > lim for r in rows)} of {len(rows)} maps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
