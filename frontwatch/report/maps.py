"""Print-quality maps of a change between two dates: the occupied area, each side's gains,
the line of contact, the places that changed side, on the basemap (neighbours, sea, oblasts,
towns), with a scale bar, the coverage of the source and the credit line.

Areas are measured elsewhere (:func:`changes.change_between`, geodesic on WGS84); the map
draws the geometries that measurement returns and prints its numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from .. import _geo
from ..boundaries import REGION_LABELS, clip_outline, held_before_2022
from ..changes import Change, change_between
from ..frontline import front_of
from ..gazetteer import gazetteer
from ..settlements import PlaceChange, changed_places
from ..snapshot import OCCUPIED
from ..store import Store
from ..timeline import History
from .basemap import STYLE, UKRAINE, Extent, credit, draw_ground, fill, label_towns, lines, scale_bar, set_extent

MARK_SMALL = 1 / 90
"""A gained part narrower than this share of the map's width is also marked with a ring, so
that it stays visible in print..."""
MARK_MIN_KM2 = 0.5
"""... when it covers at least this much (km², geodesic): slivers of a redrawn border are not
marked."""
CHANGED_LABELS = 8
CHANGED_MARKS = 60
"""Every place that changed side is marked when there are at most this many; else only the
labelled ones (the report lists them all)."""


def _changed_places(store: Store, source: str, start, end) -> list[PlaceChange]:
    try:
        return changed_places(store, source, start, end).places
    except LookupError:
        return []


def change_figure(store: Store, source: str, start, end, *, change: Change | None = None,
                  places: list[PlaceChange] | None = None, extent: Extent | None = None):  # fmt: skip
    """The figure of the change of ``source`` from ``start`` to ``end`` and the change it shows
    (``change``: a :func:`change_between` answer with geometries, computed when not given;
    ``places``: the rows of :func:`settlements.changed_places`)."""
    ch = change or change_between(store, source, start, end, geometry=True)
    hist = History(store, source)
    b = hist.as_of(end).snapshot
    occ = store.layer(b.id, OCCUPIED)
    geoms = ch.geometries
    assert geoms is not None  # (change_between(..., geometry=True))
    places = _changed_places(store, source, start, end) if places is None else places
    gained = _geo.union([g for g in (geoms["ua_gain"], geoms["ru_gain"]) if not g.is_empty])
    ext = extent or (Extent.around(gained) if not gained.is_empty else UKRAINE)
    h_in = min(11.0, max(5.0, 9.0 * (ext.north - ext.south) * ext.aspect / (ext.east - ext.west)))
    fig = Figure(figsize=(9, h_in + 1.3))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.02, right=0.98, top=1 - 0.95 / (h_in + 1.3), bottom=0.45 / (h_in + 1.3))
    draw_ground(ax, ext)
    tol = (ext.east - ext.west) / 3000
    shown_occ = shapely.intersection(shapely.intersection(occ, ext.box.buffer(0.5)), clip_outline("osm-land"))
    fill(ax, shown_occ, tolerance=tol, facecolor=STYLE["occupied"], edgecolor="none", zorder=4, alpha=0.9)
    undrawn = [r for r, ok in b.coverage.items() if not ok]
    for r in undrawn:
        fill(ax, held_before_2022()[r], tolerance=tol, facecolor="none", edgecolor=STYLE["not_drawn"], lw=0,
             hatch="////", zorder=4)  # fmt: skip
    _draw_gains(ax, ext, geoms)
    lines(ax, shapely.simplify(front_of(store, b), tol), color=STYLE["front"], lw=0.9, zorder=6)
    biggest = sorted(places, key=lambda p: -(p.population or 0))
    labelled = {p.geonameid for p in label_towns(ax, ext, extra=[gazetteer().by_id(p.geonameid)
                                                                 for p in biggest[:CHANGED_LABELS]])}  # fmt: skip
    _draw_places(ax, places if len(places) <= CHANGED_MARKS else
                 [p for p in places if p.geonameid in labelled])  # fmt: skip
    set_extent(ax, ext)
    km = scale_bar(ax, ext)
    _legend(ax, b.valid_date, bool(places), undrawn, source)
    if ext.width_km < 900:
        _locator(fig, ax, ext)
    fig.suptitle(f"Ukraine gained {ch['ua_gain_km2']:,.0f} km², Russia gained {ch['ru_gain_km2']:,.0f} km²",
                 x=0.02, ha="left", fontsize=13, fontweight="bold", y=1 - 0.12 / (h_in + 1.3))  # fmt: skip
    counts = _counts(places)
    fig.text(0.02, 1 - 0.78 / (h_in + 1.3),
             f"{source}, maps of {ch['from_snapshot']} and {ch['to_snapshot']} (asked {ch['from_date']} → "
             f"{ch['to_date']}); areas geodesic on WGS84.\nCoverage: {ch['coverage']}{counts}.",
             fontsize=8.5, color="#333333", ha="left", va="bottom", linespacing=1.4)  # fmt: skip
    credit(
        fig,
        f"Frontwatch · Control: {ch['attribution']} · Borders: © OpenStreetMap contributors (ODbL), "
        f"Natural Earth · Places: GeoNames (CC BY 4.0) · scale bar {km:,} km along {ext.mid_lat:.1f}°N",
    )
    return fig, ch.as_dict()


def _counts(places: list[PlaceChange]) -> str:
    if not places:
        return ""
    ua = sum(1 for p in places if p.to_side == "UA")
    ru = sum(1 for p in places if p.to_side == "RU")
    return f". Places that changed side: {ua:,} to Ukraine, {ru:,} to Russia"


def _draw_gains(ax, ext: Extent, geoms: dict) -> None:
    small = (ext.east - ext.west) * MARK_SMALL
    tol = (ext.east - ext.west) / 4000
    for kind in ("ua_gain", "ru_gain"):
        g = geoms[kind]
        if g.is_empty:
            continue
        color = STYLE[kind]
        fill(ax, g, tolerance=tol, facecolor=color, edgecolor=color, lw=0.7, zorder=5, alpha=0.92)
        for part in _geo.polygons_of(g):
            x0, y0, x1, y1 = part.bounds
            if max(x1 - x0, y1 - y0) < small and ext.box.intersects(part) and _geo.area_km2(part) >= MARK_MIN_KM2:
                c = part.centroid
                ax.plot(c.x, c.y, "o", ms=7, mfc="none", mec=color, mew=1.2, zorder=5)


def _draw_places(ax, places: list[PlaceChange]) -> None:
    for side, kind in (("UA", "ua_gain"), ("RU", "ru_gain")):
        pts = [(p.lon, p.lat) for p in places if p.to_side == side]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.scatter(xs, ys, s=14, marker="D", color="white", edgecolors=STYLE[kind], linewidths=0.8, zorder=7)


def _legend(ax, to_snapshot: str, with_places: bool, undrawn: list[str], source: str) -> None:
    handles = [Patch(facecolor=STYLE["occupied"], label=f"held by Russia on {to_snapshot}"),
               Patch(facecolor=STYLE["ua_gain"], label="gained by Ukraine"),
               Patch(facecolor=STYLE["ru_gain"], label="gained by Russia"),
               Line2D([], [], color=STYLE["front"], lw=0.9, label="line of contact")]  # fmt: skip
    if with_places:
        handles.append(Line2D([], [], ls="none", marker="D", ms=4, mfc="white", mec="#444444",
                              label="place that changed side"))  # fmt: skip
    for r in undrawn:
        handles.append(Patch(facecolor="white", edgecolor=STYLE["not_drawn"], hatch="////",
                             label=f"{REGION_LABELS[r]}: not drawn by {source}"))  # fmt: skip
    leg = ax.legend(handles=handles, loc="upper left", fontsize=7.5, framealpha=0.92, edgecolor="#bbbbbb")
    leg.set_zorder(12)


def _locator(fig, ax, ext: Extent) -> None:
    """A small map of Ukraine in the upper right corner with the shown box."""
    inset = ax.inset_axes([0.79, 0.84, 0.2, 0.15])
    inset.set_facecolor("white")
    fill(inset, clip_outline("osm-land"), tolerance=0.05, facecolor="#e4e1da", edgecolor="#8d877d", lw=0.4)
    inset.add_patch(Rectangle((ext.west, ext.south), ext.east - ext.west,
                                                 ext.north - ext.south, fill=False, ec=STYLE["ru_gain"], lw=1))  # fmt: skip
    set_extent(inset, UKRAINE)
    inset.set_zorder(11)


def png_bytes(fig, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "Frontwatch"})
    return buf.getvalue()


def change_map(store: Store, source: str, start, end, path: str | Path, *, dpi: int = 150) -> dict:
    """Draw the change between two dates as a PNG map at ``path``; returns the change it shows."""
    fig, ch = change_figure(store, source, start, end)
    Path(path).write_bytes(png_bytes(fig, dpi=dpi))
    return ch
