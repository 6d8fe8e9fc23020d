"""Benchmark: where closing DeepState's seams spends its time, against the closing as #11
first wrote it (the baseline, run in the same process on the same layers).

For every Nth DeepState map (the revision archive ``deepstate-history``, then the daily
mirror ``deepstate/daily``, in order) the occupied layer is clipped to the outline as
validation clips it, then closed two ways:

- *baseline* (#11): every piece the closing's difference leaves is kept, those not inside
  the outline clipped by one overlay with the whole outline, all unioned back;
- *now*: :func:`frontwatch._seams.close_seams_measured` as ingest runs it (the closing's
  rounding slivers left out, the gaps across the outline's edge clipped by the outline's
  part in their cell), timed whole and step by step (the steps checked to give exactly its
  result).

The two are compared by the gaps' geodesic area (km²), by their results' symmetric
difference in the plane (deg²) and by their vertices. Usage::

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
from frontwatch._seams import _JOIN, M_PER_DEG_LAT, _clipped, _rounding_slivers, close_seams_measured  # noqa: E402
from frontwatch._tiles import TiledOutline, tiled  # noqa: E402
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
    return shapely.buffer(shapely.buffer(geom, r, **_JOIN), -r, **_JOIN)


def baseline(geom: shapely.MultiPolygon, outline, width_m: float) -> tuple[shapely.MultiPolygon, float]:
    """The closing as #11 first wrote it: the filled layer and the gaps' km²."""
    gaps = shapely.get_parts(shapely.difference(closing_of(geom, width_m), geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    inside = shapely.contains_properly(outline, gaps)
    parts = list(gaps[inside])
    if not inside.all():
        parts += _geo.polygons_of(shapely.intersection(shapely.MultiPolygon(list(gaps[~inside])), outline))
    if not parts:
        return geom, 0.0
    filled = shapely.MultiPolygon(parts)
    return _geo.as_multipolygon(shapely.union(geom, filled)), _geo.area_km2(filled)


def now_by_step(geom: shapely.MultiPolygon, outline, width_m: float, tiles: TiledOutline
                ) -> tuple[shapely.MultiPolygon, dict]:  # fmt: skip
    """:func:`close_seams_measured`, step by step, with each step's CPU time (s)."""
    t: dict[str, float] = {}
    c = time.process_time()
    closed = closing_of(geom, width_m)
    t["closing"], c = time.process_time() - c, time.process_time()
    gaps = shapely.get_parts(shapely.difference(closed, geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    t["difference"], c = time.process_time() - c, time.process_time()
    gaps = gaps[~_rounding_slivers(gaps, closed)]
    t["rounding slivers"], c = time.process_time() - c, time.process_time()
    inside = shapely.contains_properly(outline, gaps)
    parts = list(gaps[inside])
    across = gaps[~inside]
    across = across[shapely.relate_pattern(outline, across, "T********")]
    if len(across):
        parts += _clipped(across, outline, tiles)
    t["clip to outline"], c = time.process_time() - c, time.process_time()
    out = _geo.as_multipolygon(shapely.union(geom, shapely.MultiPolygon(parts))) if parts else geom
    t["union"] = time.process_time() - c
    return out, t


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
        (a, km2_a), ca, _ = timed(baseline, occ, clip_to, raw.seam_width_m)
        (b, _, km2_b), cb, _ = timed(close_seams_measured, occ, clip_to, width_m=raw.seam_width_m, tiles=tiles)
        by_step, t = now_by_step(occ, clip_to, raw.seam_width_m, tiles)
        if not shapely.equals_exact(by_step, b, 0.0):
            raise SystemExit(f"{raw.file}: the steps do not give close_seams_measured's result")
        steps.append(t)
        rows.append((raw.valid_time.date().isoformat(), raw.kind, ca, cb, abs(km2_b - km2_a),
                     shapely.area(shapely.symmetric_difference(a, b)),
                     shapely.get_num_coordinates(a), shapely.get_num_coordinates(b)))  # fmt: skip
        if args.rows:
            day, kind, c1, c2, dkm2, deg2, va, vb = rows[-1]
            print(f"{day} {kind:<8} baseline {c1:.3f} s now {c2:.3f} s (CPU); gaps differ by {dkm2:.1e} km²; "
                  f"results by {deg2:.1e} deg²; vertices {va}/{vb}", flush=True)  # fmt: skip
    ca = [r[2] for r in rows]
    cb = [r[3] for r in rows]
    print(f"\n{len(rows)} maps (every {args.every}th DeepState map), CPU seconds a map\n")
    print("| step                       |  mean | median |   max |")
    print("|----------------------------|-------|--------|-------|")
    for name, c in (("baseline (#11)", ca), ("now (whole)", cb), *((f"- {k}", [t[k] for t in steps]) for k in steps[0])):
        print(f"| {name:<26} | {statistics.mean(c):5.3f} | {statistics.median(c):6.3f} | {max(c):5.3f} |")
    ratio = [x / y for x, y in zip(ca, cb, strict=True) if y > 0]
    print(f"\nnow vs baseline (CPU): median {statistics.median(ratio):.2f}x faster, min {min(ratio):.2f}x, "
          f"max {max(ratio):.2f}x; total {sum(ca):.1f} s -> {sum(cb):.1f} s")  # fmt: skip
    print(f"gaps' area: worst difference {max(r[4] for r in rows):.1e} km²; results' symmetric difference: "
          f"worst {max(r[5] for r in rows):.1e} deg²; vertices {sum(r[6] for r in rows):,} -> "
          f"{sum(r[7] for r in rows):,}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
