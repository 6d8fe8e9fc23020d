"""The ground every map is drawn on: sea, neighbouring countries, Ukraine's land and oblast
lines, labelled towns, a scale bar and the credit line (matplotlib).

Neighbours come from Natural Earth (public domain, via the npm package ``world-atlas``;
``tools/build_basemap.py`` rebuilds ``data/neighbours.geojson.gz``); Ukraine's land and
oblasts are the shipped OpenStreetMap outlines; towns are GeoNames places. Maps are drawn in
longitude/latitude with the aspect of the map's middle latitude (an equirectangular view,
true to scale along that latitude), which is what the scale bar measures.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import orjson
import shapely
from matplotlib import patheffects
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from .. import _geo
from ..boundaries import _polygonal, clip_outline, oblasts
from ..gazetteer import Place, gazetteer

STYLE = {
    "sea": "#d9e6f0", "neighbour": "#ebe9e4", "neighbour_edge": "#b9b5ad", "land": "#fdfcfa",
    "border": "#6f6a62", "oblast": "#c9c5bd", "town": "#333333", "label": "#222222",
    "neighbour_label": "#8a857c", "occupied": "#f3b8a4", "ua_gain": "#1f5fa8", "ru_gain": "#c0182b",
    "front": "#1b1b1b", "not_drawn": "#9a958c", "credit": "#555555",
}  # fmt: skip
NEIGHBOURS_CREDIT = "Natural Earth"
TOWN_CODES = frozenset({"PPLC", "PPLA", "PPLA2", "PPLA3", "PPL", "PPLG"})
WGS84_A_KM, WGS84_E2 = 6378.137, 0.00669437999014


def km_per_degree_lon(lat: float) -> float:
    """Length (km) of one degree of longitude along the parallel ``lat`` on the WGS84 ellipsoid."""
    phi = math.radians(lat)
    return math.radians(1) * WGS84_A_KM * math.cos(phi) / math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)


@dataclass(frozen=True)
class Extent:
    """A lon/lat box shown by a map (degrees, WGS84)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def around(cls, geom: BaseGeometry, *, pad: float = 0.2, min_deg: float = 1.5) -> Extent:
        """The box around ``geom`` grown by ``pad`` of its size, at least ``min_deg`` across."""
        x0, y0, x1, y1 = geom.bounds
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w = max(x1 - x0, min_deg) * (1 + 2 * pad)
        h = max(y1 - y0, min_deg / 1.5) * (1 + 2 * pad)
        return cls(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    @property
    def box(self) -> shapely.Polygon:
        return shapely.box(self.west, self.south, self.east, self.north)

    @property
    def mid_lat(self) -> float:
        return (self.south + self.north) / 2

    @property
    def aspect(self) -> float:
        """Height per unit width of a degree on screen (1 / cos of the middle latitude)."""
        return 1 / max(0.2, math.cos(math.radians(self.mid_lat)))

    @property
    def width_km(self) -> float:
        """Width along the middle latitude (km, WGS84 ellipsoid)."""
        return (self.east - self.west) * km_per_degree_lon(self.mid_lat)


UKRAINE = Extent(21.9, 44.2, 40.5, 52.5)


@cache
def neighbours() -> tuple[tuple[str, BaseGeometry], ...]:
    """Countries around Ukraine (Natural Earth 1:10m), with Ukraine's own land cut out."""
    raw = resources.files("frontwatch").joinpath("data", "neighbours.geojson.gz").read_bytes()
    doc = orjson.loads(gzip.decompress(raw))
    return tuple((f["properties"]["name"], _polygonal(f["geometry"])) for f in doc["features"])


@cache
def towns(min_population: int = 20_000) -> tuple[Place, ...]:
    """Towns and cities (no city districts) of at least ``min_population``, largest first."""
    out = [p for p in gazetteer().places() if p.population >= min_population and p.feature_code in TOWN_CODES]
    return tuple(sorted(out, key=lambda p: -p.population))


def geom_path(geom: BaseGeometry, *, tolerance: float = 0.0) -> Path | None:
    """A matplotlib path of every polygon of ``geom`` (holes wound the other way)."""
    verts, codes = [], []
    for poly in _geo.polygons_of(geom):
        if tolerance:
            poly = shapely.simplify(poly, tolerance, preserve_topology=True)
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
        poly = orient(poly, 1.0)
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 4:
                continue
            verts.append(xy)
            c = np.full(len(xy), Path.LINETO, dtype=np.uint8)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            codes.append(c)
    if not verts:
        return None
    return Path(np.concatenate(verts), np.concatenate(codes))


def fill(ax, geom, *, tolerance: float = 0.0, **kw) -> None:
    """Fill the polygons of ``geom`` (holes left open) with patch keywords ``kw``."""
    path = geom_path(geom, tolerance=tolerance)
    if path is not None:
        ax.add_patch(PathPatch(path, **kw))


def lines(ax, geom, **kw) -> None:
    """Draw the lines of a (multi)line or the rings of a polygonal geometry."""
    for part in shapely.get_parts(shapely.boundary(geom) if geom.geom_type.endswith("Polygon") else geom):
        if part.geom_type.startswith("Multi"):
            lines(ax, part, **kw)
        elif not part.is_empty:
            ax.plot(*np.asarray(part.coords).T, **kw)


def draw_ground(ax, ext: Extent) -> None:
    """Sea, neighbours with their names, Ukraine's land and its oblast lines."""
    tol = (ext.east - ext.west) / 2500
    ax.set_facecolor(STYLE["sea"])
    box = ext.box
    for name, geom in neighbours():
        if not geom.intersects(box):
            continue
        fill(ax, geom, tolerance=tol, facecolor=STYLE["neighbour"], edgecolor=STYLE["neighbour_edge"], lw=0.5,
             zorder=1)  # fmt: skip
        shown = shapely.intersection(geom, box)
        if _geo.area_km2(shown) > 0.04 * _geo.area_km2(box):
            p = shapely.point_on_surface(max(_geo.polygons_of(shown), key=lambda g: g.area))
            ax.text(p.x, p.y, name.upper(), fontsize=8, color=STYLE["neighbour_label"], ha="center",
                    va="center", style="italic", zorder=6)  # fmt: skip
    fill(ax, clip_outline("osm-land"), tolerance=tol, facecolor=STYLE["land"], edgecolor="none", zorder=2)
    for ob in oblasts():
        if ob.geometry.intersects(box):
            lines(ax, shapely.simplify(ob.geometry, tol), color=STYLE["oblast"], lw=0.5, zorder=3)
    lines(ax, shapely.simplify(clip_outline("osm-land"), tol), color=STYLE["border"], lw=0.8, zorder=7)


def set_extent(ax, ext: Extent) -> None:
    ax.set_xlim(ext.west, ext.east)
    ax.set_ylim(ext.south, ext.north)
    ax.set_aspect(ext.aspect)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#999999")
        s.set_linewidth(0.6)


def label_towns(ax, ext: Extent, *, extra: Sequence[Place] = (), max_labels: int = 22) -> list[Place]:
    """Dot and name the largest towns in view, and the ``extra`` places first, skipping any
    label that would sit on one already placed; returns the places labelled."""
    spacing = (ext.east - ext.west) / 11
    chosen: list[Place] = []
    inside = [p for p in towns() if ext.west < p.lon < ext.east and ext.south < p.lat < ext.north]
    for p in [*extra, *inside]:
        if len(chosen) >= max_labels:
            break
        if any(abs(p.lon - q.lon) < spacing and abs(p.lat - q.lat) * ext.aspect < spacing / 2.5 for q in chosen):
            continue
        chosen.append(p)
    for p in chosen:
        big = p.population >= 200_000
        ax.plot(p.lon, p.lat, "o", ms=3.2 if big else 2.4, color=STYLE["town"], mec="white", mew=0.5, zorder=8)
        t = ax.text(p.lon + spacing / 40, p.lat + spacing / 60, p.name, fontsize=8.5 if big else 7.5,
                    color=STYLE["label"], zorder=9, fontweight="bold" if big else "normal")  # fmt: skip
        _halo(t)
    return chosen


def _halo(text) -> None:
    text.set_path_effects([patheffects.withStroke(linewidth=2.2, foreground="white", alpha=0.85)])


def nice_km(target: float) -> int:
    """A round length (1, 2 or 5 × 10ⁿ km) not above ``target``."""
    exp = 10 ** math.floor(math.log10(max(target, 1)))
    return int(max(m * exp for m in (1, 2, 5) if m * exp <= max(target, 1)))


def scale_bar(ax, ext: Extent) -> int:
    """A scale bar (km, along the middle latitude) in the lower right corner; returns its length."""
    km = nice_km(ext.width_km / 5)
    deg = km / km_per_degree_lon(ext.mid_lat)
    x1 = ext.east - (ext.east - ext.west) * 0.04
    x0 = x1 - deg
    y = ext.south + (ext.north - ext.south) * 0.04
    ax.plot([x0, x1], [y, y], color="#222222", lw=2.2, solid_capstyle="butt", zorder=10)
    ax.plot([x0, x0], [y, y + (ext.north - ext.south) * 0.008], color="#222222", lw=1, zorder=10)
    t = ax.text((x0 + x1) / 2, y + (ext.north - ext.south) * 0.012, f"{km:,} km", ha="center", va="bottom",
                fontsize=8, zorder=10)  # fmt: skip
    _halo(t)
    return km


def credit(fig, text: str, *, y: float = 0.012) -> None:
    """The credit line at the foot of a figure."""
    fig.text(0.012, y, text, fontsize=6.8, color=STYLE["credit"], ha="left", va="bottom", wrap=True)
