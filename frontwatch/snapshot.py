"""The snapshot data contract: what an adapter hands over, and its validation.

A *raw snapshot* is one source's map valid at one time, as an adapter read it: polygonal
layers by name (``occupied`` required, ``contested`` optional, the source's own extra
layers), plus provenance. :func:`validate_snapshot` enforces the contract: it repairs
invalid geometries (recording a warning), checks coordinates, clips every layer to the
outline, measures geodesic areas and determines coverage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import shapely

from . import _geo
from .boundaries import REGION_LABELS, clip_outline, held_before_2022
from .errors import InputFileError

OCCUPIED = "occupied"
CONTESTED = "contested"
COVERAGE_THRESHOLD = 0.5
"""A region counts as covered when at least this share of it is drawn as occupied."""
CLIPPED_WARNING_KM2 = 100.0
"""Warn when more than this much of a layer lies outside the clip outline."""


@dataclass
class RawSnapshot:
    """What an adapter reads: layers of polygons, a valid time and provenance."""

    source: str
    valid_time: dt.datetime
    layers: dict[str, list[shapely.Geometry]]
    file: str
    source_dates: dict[str, str | None] = field(default_factory=dict)
    kind: str = "file"
    priority: str = ""
    """Among snapshots of the same source and valid time, the highest priority is used."""
    notes: list[str] = field(default_factory=list)

    @property
    def valid_date(self) -> str:
        return self.valid_time.date().isoformat()


@dataclass
class ValidSnapshot:
    """A snapshot that passed the contract: valid, clipped, measured."""

    raw: RawSnapshot
    layers: dict[str, shapely.MultiPolygon]
    areas_km2: dict[str, float]
    coverage: dict[str, bool]
    warnings: list[str]
    clip_outline: str
    geom_hash: str

    @property
    def occupied(self) -> shapely.MultiPolygon:
        return self.layers[OCCUPIED]


def validate_snapshot(raw: RawSnapshot, *, outline: str = "geoboundaries") -> ValidSnapshot:
    """Repair, clip and measure a raw snapshot.

    Raises
    ------
    InputFileError
        When the snapshot has no polygon at all, coordinates that cannot be lon/lat, or no
        occupied area inside Ukraine.
    """
    clip_to = clip_outline(outline)
    warnings = list(raw.notes)
    layers: dict[str, shapely.MultiPolygon] = {}
    areas: dict[str, float] = {}
    where = raw.file
    if not any(_geo.polygons_of(g) for geoms in raw.layers.values() for g in geoms):
        raise InputFileError(where, "no polygon features (nothing to ingest)")
    for name, geoms in raw.layers.items():
        parts = []
        for g in geoms:
            problem = _geo.coordinate_problem(g)
            if problem:
                raise InputFileError(where, f"layer {name!r}: {problem}")
            fixed, repaired = _geo.repair(g)
            if repaired:
                warnings.append(
                    f"repaired an invalid geometry in layer {name!r} (e.g. self-intersecting ring)"
                )
            parts.append(fixed)
        clipped, km2, outside = _geo.union_clipped(parts, clip_to)
        if outside > CLIPPED_WARNING_KM2:
            warnings.append(
                f"clipped about {outside:,.0f} km² of layer {name!r} lying outside "
                "Ukraine's outline"
            )
        layers[name] = clipped
        areas[name] = km2
    layers.setdefault(OCCUPIED, _geo.EMPTY)
    areas.setdefault(OCCUPIED, 0.0)
    if layers[OCCUPIED].is_empty:
        raw_occ = _geo.union([_geo.repair(g)[0] for g in raw.layers.get(OCCUPIED, [])])
        hint = ""
        if raw_occ.is_empty:
            hint = "; its polygons are empty or collapse when repaired"
        else:
            swapped = shapely.transform(raw_occ, lambda xy: xy[:, ::-1])
            if shapely.intersects(swapped, clip_to):
                hint = "; the coordinates look swapped (lat, lon instead of lon, lat)"
            else:
                hint = "; it lies entirely outside Ukraine"
        raise InputFileError(where, f"no occupied area inside Ukraine{hint}")
    coverage = coverage_of(layers[OCCUPIED])
    return ValidSnapshot(
        raw=raw,
        layers=layers,
        areas_km2=areas,
        coverage=coverage,
        warnings=warnings,
        clip_outline=outline,
        geom_hash=_geo.geometry_hash(layers[OCCUPIED]),
    )


def coverage_of(occupied: shapely.Geometry) -> dict[str, bool]:
    """Whether each region held before 2022 is drawn in the occupied area."""
    out = {}
    shapely.prepare(occupied)
    for region, (xs, ys) in _region_samples().items():
        share = float(np.mean(shapely.contains_xy(occupied, xs, ys)))
        out[region] = share >= COVERAGE_THRESHOLD
    return out


@cache
def _region_samples(step_deg: float = 0.05) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A regular lon/lat grid of points inside each region held before 2022."""
    out = {}
    for region, geom in held_before_2022().items():
        x0, y0, x1, y1 = geom.bounds
        xs, ys = np.meshgrid(np.arange(x0, x1, step_deg), np.arange(y0, y1, step_deg))
        xs, ys = xs.ravel(), ys.ravel()
        inside = shapely.contains_xy(geom, xs, ys)
        out[region] = (xs[inside], ys[inside])
    return out


def describe_coverage(coverage: dict[str, bool]) -> str:
    """A sentence on what a coverage dict leaves out."""
    missing = [REGION_LABELS[r] for r, ok in coverage.items() if not ok]
    return "all of Ukraine" if not missing else "leaves out " + " and ".join(missing)
