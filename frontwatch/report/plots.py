"""PNG maps of a change between two dates and charts of an area series (matplotlib, Agg).

Every picture carries its provenance in its title and footer: source, snapshot dates, the
measured numbers and the credit line.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .. import _geo  # noqa: E402
from ..boundaries import oblasts  # noqa: E402
from ..changes import change_between  # noqa: E402
from ..frontline import line_of_contact  # noqa: E402
from ..snapshot import OCCUPIED  # noqa: E402
from ..store import Store  # noqa: E402
from ..timeline import History  # noqa: E402

COLORS = {"occupied": "#f4a582", "ua_gain": "#2166ac", "ru_gain": "#b2182b", "front": "#222222",
          "oblast": "#bbbbbb"}  # fmt: skip


def _fill(ax, geom, color, **kw) -> None:
    for poly in _geo.polygons_of(geom):
        ax.fill(*poly.exterior.xy, color=color, lw=0, **kw)
        for ring in poly.interiors:
            ax.fill(*ring.xy, color="white", lw=0)


def change_map(store: Store, source: str, start, end, path: str | Path, *, dpi: int = 110) -> dict:
    """Draw the change between two dates as a PNG map; returns the change it shows."""
    ch = change_between(store, source, start, end, geometry=True)
    hist = History(store, source)
    b = hist.as_of(end).snapshot
    occ = store.layer(b.id, OCCUPIED)
    geoms = ch["geometries"]
    focus = _geo.union([g for g in (geoms["ua_gain"], geoms["ru_gain"]) if not g.is_empty]) or occ
    if focus.is_empty:
        focus = occ
    x0, y0, x1, y1 = focus.bounds
    pad = max(x1 - x0, y1 - y0) * 0.25 + 0.3
    fig, ax = plt.subplots(figsize=(9, 7.5))
    for ob in oblasts():
        for poly in _geo.polygons_of(ob.geometry):
            ax.plot(*poly.exterior.xy, color=COLORS["oblast"], lw=0.5)
    _fill(ax, occ, COLORS["occupied"])
    _fill(ax, geoms["ua_gain"], COLORS["ua_gain"])
    _fill(ax, geoms["ru_gain"], COLORS["ru_gain"])
    for line in shapely.get_parts(line_of_contact(occ, b.coverage)):
        ax.plot(*line.xy, color=COLORS["front"], lw=0.8)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect(1 / max(0.2, math.cos(math.radians((y0 + y1) / 2))))
    ax.set_title(f"{source}: maps of {ch['from_snapshot']} → {ch['to_snapshot']}\n"
                 f"Ukraine gained {ch['ua_gain_km2']:,.0f} km², Russia gained {ch['ru_gain_km2']:,.0f} km² "
                 "(geodesic)", fontsize=11)  # fmt: skip
    ax.legend(handles=[Patch(color=COLORS["occupied"], label=f"occupied on {ch['to_snapshot']}"),
                       Patch(color=COLORS["ua_gain"], label="gained by Ukraine"),
                       Patch(color=COLORS["ru_gain"], label="gained by Russia")],
              loc="lower left", fontsize=8)  # fmt: skip
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    fig.text(0.01, 0.01, f"Frontwatch. Map data: {ch['attribution']}. Oblasts: © OpenStreetMap contributors.",
             fontsize=7, color="#555555")  # fmt: skip
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return {k: v for k, v in ch.items() if k != "geometries"}


def series_chart(rows: list[dict], path: str | Path, *, source: str, dpi: int = 110) -> None:
    """Draw an area series (rows of :func:`areas.series`) as a PNG chart."""
    import datetime as dt

    dates = [dt.date.fromisoformat(r["snapshot_date"]) for r in rows]
    km2 = [r["occupied_km2"] for r in rows]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.plot(dates, km2, color=COLORS["ru_gain"], lw=1.2, marker="." if len(rows) < 60 else None)
    flagged = [(d, v, r["flags"]) for d, v, r in zip(dates, km2, rows, strict=True) if r.get("flags")]
    for d, v, msgs in flagged:
        ax.axvline(d, color="#888888", lw=0.6, ls="--")
        ax.annotate(msgs[0].split(":")[0], (d, v), xytext=(4, 6), textcoords="offset points", fontsize=7,
                    color="#444444")  # fmt: skip
    if flagged:
        ax.scatter([d for d, _, _ in flagged], [v for _, v, _ in flagged], color="#444444", s=14, zorder=3,
                   label="flagged map (coverage break or fault; not counted as change)")  # fmt: skip
        ax.legend(fontsize=8)
    ax.set_ylabel("occupied km² (geodesic)")
    ax.set_title(f"{source}: occupied area, {rows[0]['snapshot_date']} → {rows[-1]['snapshot_date']}",
                 fontsize=11)  # fmt: skip
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.text(0.01, 0.01, "Frontwatch; areas clipped to Ukraine, geodesic on WGS84.", fontsize=7, color="#555555")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
