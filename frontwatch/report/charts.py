"""Charts of an area series (rows of :func:`areas.series`): the occupied area over time, with
coverage breaks drawn as breaks in the line (a source that starts or stops drawing Crimea has
not lost or won it), flagged maps marked, thousands separators and the credit line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..areas import SeriesRow
from ..boundaries import UKRAINE_OFFICIAL_KM2
from .basemap import STYLE, credit
from .maps import png_bytes


def segments(rows: Sequence[SeriesRow]) -> list[list[SeriesRow]]:
    """The rows cut into runs of equal coverage: a coverage break starts a new run."""
    runs: list[list[SeriesRow]] = []
    for r in rows:
        if not runs or runs[-1][-1].coverage != r.coverage:
            runs.append([])
        runs[-1].append(r)
    return runs


def series_figure(rows: Sequence[SeriesRow], *, source: str, attribution: str, land_only: bool = False,
                  window: tuple[str, str] | None = None):  # fmt: skip
    """The figure of an area series: one line per run of equal coverage (``window``: two
    snapshot dates to shade); ``attribution``: the source's credit
    (:meth:`frontwatch.store.Store.source_info`)."""
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    if window:
        a, b = (dt.date.fromisoformat(d) for d in window)
        # (dates on the axes: matplotlib converts them through its units registry, which its stubs
        # do not model, hence the narrow ignores in this function)
        ax.axvspan(a, max(b, a + dt.timedelta(hours=12)), color=STYLE["ua_gain"], alpha=0.1, lw=0,  # type: ignore[arg-type]
                   label=f"window {window[0]} → {window[1]}")  # fmt: skip
    fig.subplots_adjust(left=0.1, right=0.98, top=0.8, bottom=0.2)
    runs = segments(rows)
    marker = "." if len(rows) < 60 else None
    for i, run in enumerate(runs):
        dates = [dt.date.fromisoformat(r.snapshot_date) for r in run]
        ax.plot(dates, [r.occupied_km2 for r in run], color=STYLE["ru_gain"], lw=1.4, marker=marker,  # type: ignore[arg-type]
                label="held by Russia (km²)" if i == 0 else None)  # fmt: skip
        if i:
            d = dates[0]
            ax.axvline(d, color="#777777", lw=0.7, ls=(0, (3, 3)))  # type: ignore[arg-type]
            ax.annotate(f"coverage break:\n{run[0].coverage}", (d, 1), xycoords=("data", "axes fraction"),
                        xytext=(4, -4), textcoords="offset points", fontsize=7, color="#444444", va="top")  # fmt: skip
    faults = [r for r in rows if any(not f.startswith("coverage break") for f in r.flags)]
    if faults:
        ax.scatter([dt.date.fromisoformat(r.snapshot_date) for r in faults], [r.occupied_km2 for r in faults],  # type: ignore[arg-type]

                   s=16, color="#333333", zorder=3, label="flagged map (fault masked; not a change)")  # fmt: skip
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("km² (geodesic, WGS84)", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, lw=0.5)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.legend(fontsize=8, loc="best", framealpha=0.9, edgecolor="none")
    fig.autofmt_xdate()
    first, last = rows[0], rows[-1]
    span = f"Area held by Russia, {first.snapshot_date} → {last.snapshot_date}"
    if len(runs) == 1:  # the same coverage throughout: the two ends compare
        span += f": {first.occupied_km2:,.0f} → {last.occupied_km2:,.0f} km²"
    else:  # across a coverage break the ends measure different ground: no arrow between them
        span += f"; on the last map {last.occupied_km2:,.0f} km²"
    fig.suptitle(span, x=0.02, ha="left", fontsize=12, fontweight="bold")
    basis = "land only (OpenStreetMap outline)" if land_only else "clipped to geoBoundaries' outline"
    breaks = f"; {len(runs) - 1} coverage break(s), drawn as gaps" if len(runs) > 1 else ""
    fig.text(0.02, 0.845, f"{source}, {len(rows):,} maps; {basis}{breaks}.\nCoverage of the last map: {last.coverage}.",
             fontsize=8.5, color="#333333", va="bottom", linespacing=1.4)  # fmt: skip
    credit(fig, f"Frontwatch · Control: {attribution} · areas geodesic on WGS84; "
                f"share of Ukraine's official {UKRAINE_OFFICIAL_KM2:,.0f} km²")  # fmt: skip
    return fig


def series_chart(rows: Sequence[SeriesRow], path: str | Path, *, source: str, attribution: str,
                 dpi: int = 150) -> None:  # fmt: skip
    """Draw an area series (rows of :func:`areas.series`) as a PNG chart at ``path``."""
    Path(path).write_bytes(png_bytes(series_figure(rows, source=source, attribution=attribution), dpi=dpi))
