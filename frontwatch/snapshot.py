"""Validation of the snapshot data contract (:mod:`frontwatch.store.model`).

A *raw snapshot* is one source's map valid at one time, as an adapter read it: polygonal
layers by name (``occupied`` required, ``contested`` optional, the source's own extra
layers), plus provenance. :func:`validate_snapshot` enforces the contract: it repairs
invalid geometries (recording a warning), checks coordinates, clips every layer to the
outline, closes the seams a source leaves between the features of its occupied layer
(:mod:`._seams`, where the adapter gives their width), measures geodesic areas and
determines coverage.
"""

from __future__ import annotations

import hashlib
from functools import cache, partial

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _contents, _geo, _gpkg
from ._recent import Recent
from ._seams import close_seams_measured, fill_sliver_holes
from ._tiles import TiledOutline, TilingFailed, tiled
from .boundaries import REGION_LABELS, UKRAINE_OFFICIAL_KM2, clip_outline, held_before_2022
from .errors import InputFileError
from .store.model import CONTESTED, OCCUPIED, RawSnapshot, ValidSnapshot, layer_keys

__all__ = ["CONTESTED", "OCCUPIED", "RawSnapshot", "ValidSnapshot", "coverage_of", "describe_coverage",
           "layer_keys", "validate_snapshot"]  # fmt: skip

COVERAGE_THRESHOLD = 0.5
"""A region counts as covered when at least this share of it is drawn as occupied."""
CLIPPED_WARNING_KM2 = 100.0
"""Warn when more than this much of a layer lies outside the clip outline."""


def validate_snapshot(raw: RawSnapshot, *, outline: str = "geoboundaries") -> ValidSnapshot:
    """Repair, clip and measure a raw snapshot.

    A map whose layers are geometry-identical to one validated shortly before in this
    process (sources often republish an unchanged map under a new date) reuses that
    result; otherwise each layer goes through the tiled clipper (:mod:`._tiles`), and
    through the direct overlay, with repair, when an input is invalid.

    Raises
    ------
    InputFileError
        When the snapshot has no polygon at all, coordinates that cannot be lon/lat, or no
        occupied area inside Ukraine.
    """
    where = raw.file
    if not any(_has_polygon(geoms) for geoms in raw.layers.values()):
        raise InputFileError(where, "no polygon features (nothing to ingest)")
    inputs: dict[str, list] = {}
    for name, geoms in raw.layers.items():
        for g in geoms:
            problem = _geo.coordinate_problem(g)
            if problem:
                raise InputFileError(where, f"layer {name!r}: {problem}")
        inputs[name] = [shapely.force_2d(g) if shapely.has_z(g) else g for g in geoms]
    keys = _layer_keys(inputs, raw.layer_keys)
    key = _map_key(outline, keys, raw.seam_width_m)
    layers, areas, coverage, warnings, geom_hash, blobs = _RECENT.get(key, partial(_measure, raw, inputs, outline, keys))
    return ValidSnapshot(
        raw=raw,
        layers=dict(layers),
        areas_km2=dict(areas),
        coverage=dict(coverage),
        warnings=list(raw.notes) + list(warnings),
        clip_outline=outline,
        geom_hash=geom_hash,
        encoded=dict(blobs) if blobs else None,  # a repeat: the blobs made the first time
        shared_blobs=blobs,
        encoder=_gpkg.to_gpkg,
    )


def _has_polygon(geoms: list) -> bool:
    arr = np.asarray(geoms, dtype=object)
    kind = shapely.get_type_id(arr)
    if np.any(((kind == 3) | (kind == 6)) & ~shapely.is_empty(arr)):
        return True
    return any(_geo.polygons_of(g) for g, k in zip(geoms, kind, strict=True) if k == 7)


TILED_MIN_VERTICES = 2_000
"""Layers with fewer vertices that lie inside the outline skip the cells (nothing to clip)."""
RECENT_MAPS = 32
"""Validated maps (and layers) remembered per process, by the hash of their input geometry."""
_RECENT: Recent[tuple] = Recent(RECENT_MAPS)
_RECENT_LAYERS: Recent[tuple] = Recent(RECENT_MAPS)
"""Clipped layers of recent maps (a layer can repeat in maps that differ elsewhere:
liveuamap's `losses` often does, DeepState's `liberated` and `unknown` too), by the hash
of their input geometry."""


def _layer_keys(inputs: dict[str, list], keys: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Each layer's exact input geometry as a key: the reader's hash (``keys``) where it
    gave one for every layer, else one made here (told apart by a prefix)."""
    if keys is not None and keys.keys() == inputs.keys():
        return {name: b"reader\x00" + key for name, key in keys.items()}
    out = {}
    for name, geoms in inputs.items():
        h = hashlib.sha256(b"arrays")
        if geoms and np.all(np.isin(shapely.get_type_id(np.asarray(geoms, dtype=object)), (3, 6))):
            h.update(_contents.contents(geoms).key())
        elif geoms:  # collections (the arrays above see one level down): their WKB, exactly
            h.update(b"\x00wkb")
            for w in shapely.to_wkb(np.asarray(geoms, dtype=object), byte_order=1):
                h.update(len(w).to_bytes(8, "little") + w)
        out[name] = h.digest()
    return out


def _map_key(outline: str, keys: dict[str, bytes], seam_width_m: float = 0.0) -> bytes:
    """What identifies a map's validation: the outline, the seam width and each layer's
    exact geometry (:func:`_layer_keys`)."""
    h = hashlib.sha256(outline.encode())
    h.update(f"\x00seams {seam_width_m!r}".encode())
    for name, key in keys.items():
        h.update(b"\x00layer\x00" + name.encode() + b"\x00" + key)
    return h.digest()


def _measure(raw: RawSnapshot, inputs: dict[str, list], outline: str, keys: dict[str, bytes]) -> tuple:
    """Clip and measure each layer: (layers, areas, coverage, warnings, geometry hash, and
    an empty dict for the layers' blobs once encoded). A layer clipped shortly before
    from the same input geometry (``keys``, :func:`_layer_keys`) is reused."""
    clip_to = clip_outline(outline)
    tiles = tiled(outline)
    warnings: list[str] = []
    layers: dict[str, shapely.MultiPolygon] = {}
    areas: dict[str, float] = {}
    for name, geoms in inputs.items():
        clipped, km2, outside, repaired = _RECENT_LAYERS.get((outline, keys[name]),
                                                             partial(_clip_layer, geoms, clip_to, tiles))  # fmt: skip
        warnings.extend(
            f"repaired an invalid geometry in layer {name!r} (e.g. self-intersecting ring)" for _ in range(repaired)
        )
        if outside > CLIPPED_WARNING_KM2:
            warnings.append(f"clipped about {outside:,.0f} km² of layer {name!r} lying outside Ukraine's outline")
        if name == OCCUPIED and raw.seam_width_m > 0:
            clipped, km2 = _closed(clipped, km2, clip_to, tiles, raw.seam_width_m, warnings)
        if name == OCCUPIED:
            clipped, _, cracks_km2 = fill_sliver_holes(clipped, straight=raw.seam_width_m > 0)
            km2 += cracks_km2
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
        raise InputFileError(raw.file, f"no occupied area inside Ukraine{hint}")
    _check_plausible(raw.file, areas[OCCUPIED], warnings)
    coverage = coverage_of(layers[OCCUPIED])
    return layers, areas, coverage, warnings, _contents.geometry_hash(layers[OCCUPIED]), {}


IMPLAUSIBLE_SHARE = 0.9
"""An occupied layer covering this share of Ukraine (603,628 km²) or more is refused: a
polygon of the whole world, or of the country, not a control map (the largest real one,
of March 2022, is about a quarter)."""
DOUBTFUL_SHARE = 0.5
"""Above this share the snapshot is kept with a plausibility warning."""


def _check_plausible(where: str, occupied_km2: float, warnings: list[str]) -> None:
    share = occupied_km2 / UKRAINE_OFFICIAL_KM2
    what = (f"the occupied layer covers {occupied_km2:,.0f} km² after clipping to Ukraine's outline, "
            f"{share:.0%} of Ukraine's {UKRAINE_OFFICIAL_KM2:,.0f} km²")  # fmt: skip
    if share >= IMPLAUSIBLE_SHARE:
        raise InputFileError(where, f"{what}: not a plausible control map (a polygon of the whole world or "
                             "of the country? check which features mark occupied ground)")  # fmt: skip
    if share > DOUBTFUL_SHARE:
        warnings.append(f"plausibility: {what}, more than the largest real maps (about a quarter)")


SEAM_WARNING_KM2 = 0.5
"""Say so on the snapshot when closing its seams adds more than this."""


def _closed(occupied: shapely.MultiPolygon, km2: float, clip_to: BaseGeometry, tiles: TiledOutline,
            width_m: float, warnings: list[str]) -> tuple[shapely.MultiPolygon, float]:  # fmt: skip
    """The occupied layer with its seams closed (:func:`._seams.close_seams`) and its area:
    the layer's own (as the tiled clipper measured it) plus the gaps'."""
    closed, n, gaps_km2 = close_seams_measured(occupied, clip_to, width_m=width_m, tiles=tiles)
    if not n:
        return occupied, km2
    if gaps_km2 > SEAM_WARNING_KM2:
        warnings.append(f"closed {n} gaps narrower than {width_m:g} m between the source's features "
                        f"(seams), adding {gaps_km2:,.1f} km² to layer {OCCUPIED!r}")  # fmt: skip
    return closed, km2 + gaps_km2


def _clip_layer(geoms: list, clip_to: BaseGeometry, tiles: TiledOutline | None) -> tuple:
    """One layer clipped and measured: (clipped, km², km² outside the outline, how many
    inputs had to be repaired); by the cells of ``tiles``, or, without them, by one
    overlay."""
    if tiles is not None and sum(shapely.get_num_coordinates(geoms)) < TILED_MIN_VERTICES and _inside(clip_to, geoms):
        tiles = None  # a small layer inside the outline: nothing to clip
    try:
        if tiles is None:
            raise TilingFailed("no cells for this layer")
        return (*tiles.union_clipped(geoms), 0)
    except TilingFailed:
        # nothing to clip, an invalid input or a doubtful stitch: repair; with an input
        # repaired, the cells once more (those of the valid inputs are remembered from the
        # try above), else the direct overlay
        parts: list[BaseGeometry] = []
        repaired = 0
        for g in geoms:
            fixed, was_repaired = _geo.repair(g)
            repaired += was_repaired
            parts.append(fixed)
        if repaired and tiles is not None:
            try:
                return (*tiles.union_clipped(parts), repaired)
            except TilingFailed:
                pass
        return (*_geo.union_clipped(parts, clip_to), repaired)


def _inside(outline: BaseGeometry, geoms: list) -> bool:
    """Whether every geometry lies inside the outline (an invalid one counts as not: it
    takes the path that repairs it)."""
    try:
        return bool(np.all(shapely.contains_properly(outline, geoms)))
    except shapely.errors.GEOSException:
        return False


def coverage_of(occupied: BaseGeometry) -> dict[str, bool]:
    """Whether each region held before 2022 is drawn in the occupied area."""
    out = {}
    for region, (xs, ys) in _region_samples().items():
        # the layer's part around the region (rectangle clipping is linear), tested point by point
        near = shapely.clip_by_rect(occupied, xs.min() - 0.01, ys.min() - 0.01, xs.max() + 0.01, ys.max() + 0.01)
        shapely.prepare(near)
        share = float(np.mean(shapely.contains_xy(near, xs, ys)))
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
