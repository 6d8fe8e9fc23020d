"""What a report shows, gathered from the same library functions the CLI calls: the change of
a window with its by-oblast split, its map and area chart, the places that changed side,
the distance to the other side of named places, and (for an article) each claim's verdicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .. import __version__
from ..advance import Distance, distance_to_other_side
from ..areas import SeriesRow, series
from ..changes import Change, change_between
from ..errors import FrontwatchError
from ..gazetteer import Place, gazetteer
from ..settlements import ChangedPlaces, changed_places
from ..timeline import History, ordered, parse_date
from .basemap import UKRAINE, Extent, towns
from .charts import series_figure
from .maps import change_figure, png_bytes

CONTEXT_DAYS = 90
"""The area chart of a window report starts this many days before the window."""
NAMED_TOWNS = 6
NAMED_CHANGED = 5


@dataclass
class WindowReport:
    """The change of one source over one window, with its pictures (PNG bytes)."""

    source: str
    change: Change
    places: ChangedPlaces
    distances: list[Distance]
    series: list[SeriesRow]
    map_png: bytes
    chart_png: bytes
    generated: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    version: str = __version__


@dataclass
class ArticleReport:
    """An article's claims with their verdicts, and the report of its main window."""

    title: str
    text: str
    published: str
    sources: list[str]
    claims: list[dict]
    window: WindowReport | None
    window_rule: str
    generated: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    version: str = __version__


def window_report(store, source: str, start, end, *, named: Sequence[Place] = (), dpi: int = 150) -> WindowReport:
    """Everything a window report shows for ``source`` from ``start`` to ``end``."""
    ch = change_between(store, source, start, end, by_oblast=True, geometry=True)
    places = changed_places(store, source, start, end)
    geoms = ch.geometries
    assert geoms is not None  # (change_between(..., geometry=True))
    gained = [g for g in (geoms["ua_gain"], geoms["ru_gain"]) if not g.is_empty]
    from .. import _geo

    ext = Extent.around(_geo.union(gained)) if gained else UKRAINE
    fig, _ = change_figure(store, source, start, end, change=ch, places=places.places, extent=ext)
    map_png = png_bytes(fig, dpi=dpi)
    rows = _context_series(store, source, start, end)
    chart_png = png_bytes(series_figure(rows, source=source, attribution=store.source_info(source).attribution,
                                        window=(ch["from_snapshot"], ch["to_snapshot"])),
                          dpi=dpi) if rows else b""  # fmt: skip
    distances = [distance_to_other_side(store, source, p, end) for p in _named_places(named, places, ext)]
    distances.sort(key=lambda d: (d.distance_km is None, d.distance_km or 0))
    return WindowReport(source, replace(ch, geometries=None), places, distances, rows, map_png, chart_png)


def _context_series(store, source: str, start, end) -> list[SeriesRow]:
    hist = History(store, source)
    d1, d2 = ordered(start, end)
    first = max(hist.first_date, d1 - dt.timedelta(days=CONTEXT_DAYS))
    last = min(hist.last_date, max(d2 + dt.timedelta(days=14), d2))
    return series(store, source, start=first, end=max(first, last), flows=False)


def _named_places(named: Sequence[Place], places: ChangedPlaces, ext: Extent) -> list[Place]:
    """The places whose distance to the other side a report gives: those named by the caller,
    the largest that changed side, and the largest towns on the map."""
    gz = gazetteer()
    changed = sorted(places.places, key=lambda p: -(p.population or 0))[:NAMED_CHANGED]
    shown = [p for p in towns(50_000) if ext.west < p.lon < ext.east and ext.south < p.lat < ext.north]
    out: dict[int, Place] = {}
    for p in [*named, *(gz.by_id(c.geonameid) for c in changed), *shown[:NAMED_TOWNS]]:
        out.setdefault(p.geonameid, p)
    return list(out.values())


def article_window(claims: list[dict], published: str) -> tuple[str, str, str]:
    """The window a report on an article maps: the first area claim's, else the week up to
    publication; returns ``(start, end, rule)``."""
    for c in claims:
        if c["kind"] in ("area_change", "settlement_count", "advance_depth") and c.get("window_from"):
            return c["window_from"], c["window_to"], f"the window of the first {c['kind']} claim ({c['window_text']})"
    day = parse_date(published)
    return (day - dt.timedelta(days=7)).isoformat(), day.isoformat(), "the 7 days up to publication"


def article_report(store, text: str, *, published: str, sources: list[str], title: str,
                   dpi: int = 150) -> ArticleReport:  # fmt: skip
    """The claims of ``text`` with their verdicts per source, and the report of the first
    source that has maps for the article's main window."""
    from ..claims.check import check_text

    claims = check_text(store, text, published=published, sources=sources)
    start, end, rule = article_window(claims, published)
    gz = gazetteer()
    named = list({c["subject"]["geonameid"]: gz.by_id(c["subject"]["geonameid"])
                  for c in claims if c["subject"].get("geonameid")}.values())  # fmt: skip
    window = None
    for s in sources:
        try:
            window = window_report(store, s, start, end, named=named, dpi=dpi)
            break
        except (FrontwatchError, LookupError):
            continue
    return ArticleReport(title, text, str(parse_date(published)), list(sources), claims, window, rule)
