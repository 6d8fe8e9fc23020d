"""The JSON API under ``/api/``: thin, like the CLI: parse, take this thread's store, call one
library function (the same the CLI calls), answer its dict. Read-only: GET everywhere but
``POST /api/check``, which computes and stores nothing."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from .. import advance as advance_mod
from .. import areas, changes, frontline, inventory, settlements
from ..errors import InvalidWindow, UnknownSource
from ..gazetteer import resolve, resolve_one
from ..results import plain
from . import geo
from .errors import RequestTimeout
from .responses import JSON, GeoJSON

router = APIRouter(prefix="/api", default_response_class=JSON)

Source = Annotated[str, Query(description="Source name, e.g. liveuamap-nzz or deepstate.", max_length=64)]
Day = Annotated[str, Query(description="Date (YYYY-MM-DD).", max_length=10)]
OptDay = Annotated[str | None, Query(description="Date (YYYY-MM-DD).", max_length=10)]
From = Annotated[str, Query(alias="from", description="Start date (YYYY-MM-DD).", max_length=10)]
To = Annotated[str, Query(alias="to", description="End date (YYYY-MM-DD).", max_length=10)]
OptFrom = Annotated[str | None, Query(alias="from", description="Start date (YYYY-MM-DD).", max_length=10)]
OptTo = Annotated[str | None, Query(alias="to", description="End date (YYYY-MM-DD).", max_length=10)]
Side = Annotated[Literal["UA", "RU", "ua", "ru"], Query(description="The side whose gains are measured.")]
LandOnly = Annotated[bool, Query(description="Measure on land only (OpenStreetMap outline).")]
Name = Annotated[str, Query(description="Place name, any usual spelling.", min_length=1, max_length=100)]
Oblast = Annotated[str | None, Query(description="Oblast to pick the place in.", max_length=60)]
Simplify = Annotated[float, Query(ge=0, le=0.05, description="Simplify geometries by this many degrees (0: exact).")]


async def run(request: Request, fn, *args, **kw):
    """``fn(store, *args, **kw)`` in a worker thread with its own read-only store, within the
    app's time limit (past it: :class:`RequestTimeout`; the thread finishes on its own)."""
    fw = request.app.state.fw

    def call():
        with fw.stores.using() as store:
            return fn(store, *args, **kw)

    try:
        with anyio.fail_after(fw.settings.timeout_s):
            got = await anyio.to_thread.run_sync(call, abandon_on_cancel=True, limiter=fw.limiter())
            return plain(got)  # typed results as their as_dict()
    except TimeoutError:
        raise RequestTimeout(f"the answer took longer than {fw.settings.timeout_s:g} s (the server's "
                             "timeout_s); ask for a shorter window") from None  # fmt: skip


def _known(store, source: str) -> str:
    names = sorted(store.source_names())
    if source not in names:
        raise UnknownSource(source, names)
    return source


@router.get("/config", summary="What the page needs: version, sources, optional tiles")
async def config(request: Request):
    fw = request.app.state.fw
    return {"version": fw.version, "tiles_url": fw.settings.tiles_url,
            "tiles_attribution": fw.settings.tiles_attribution}  # fmt: skip


@router.get("/basemap", summary="The page's basemap: neighbours, Ukraine's land, oblast lines, towns (GeoJSON)",
            response_class=GeoJSON)  # fmt: skip
async def basemap():
    return Response(geo.basemap_bytes(), media_type=GeoJSON.media_type, headers={"Cache-Control": "max-age=3600"})


@router.get("/sources", summary="Sources in the store: date ranges, counts, coverage")
async def sources(request: Request):
    return await run(request, inventory.sources_summary)


@router.get("/snapshots", summary="Dates of a source's usable maps, with their occupied area (for a time slider)")
async def snapshots(request: Request, source: Source):
    def dates(store):
        _known(store, source)
        return geo.snapshot_dates(store, source)

    return await run(request, dates)


@router.get("/area", summary="Occupied area of a source on a date (km², geodesic)")
async def area(request: Request, source: Source, on: Day, land_only: LandOnly = False):
    return await run(request, areas.area_on, source, on, land_only=land_only)


@router.get("/change", summary="Territory that changed hands between two dates, by side (km², geodesic)")
async def change(request: Request, source: Source, start: From, end: To,
                 by_oblast: Annotated[bool, Query(description="Add the split by oblast.")] = False,
                 land_only: LandOnly = False):  # fmt: skip
    return await run(request, changes.change_between, source, start, end, by_oblast=by_oblast, land_only=land_only)


@router.get("/change/geojson", summary="The change as GeoJSON: gained by Ukraine, gained by Russia",
            response_class=GeoJSON)  # fmt: skip
async def change_geojson(request: Request, source: Source, start: From, end: To, land_only: LandOnly = False,
                         simplify: Simplify = 0.0):  # fmt: skip
    def make(store):
        row = changes.change_between(store, source, start, end, land_only=land_only, geometry=True)
        return geo.change_collection(row, simplify=simplify)

    return GeoJSON(await run(request, make))


@router.get("/change/png", summary="The change as a print map (PNG, the report's map)", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})  # fmt: skip
async def change_png(request: Request, source: Source, start: From, end: To,
                     dpi: Annotated[int, Query(ge=50, le=300)] = 120):  # fmt: skip
    from ..report.maps import change_figure, png_bytes

    def make(store):
        fig, _ = change_figure(store, source, start, end)
        return png_bytes(fig, dpi=dpi)

    return Response(await run(request, make), media_type="image/png")


@router.get("/report", summary="The self-contained HTML report of a window (as 'frontwatch report')",
            response_class=HTMLResponse)  # fmt: skip
async def report(request: Request, source: Source, start: From, end: To):
    from ..report.content import window_report
    from ..report.html import render_window

    return HTMLResponse(await run(request, lambda store: render_window(window_report(store, source, start, end))))


@router.get("/map", summary="A source's map on a date as GeoJSON: occupied area, grey zone, line of contact",
            response_class=GeoJSON)  # fmt: skip
async def map_on(request: Request, source: Source, on: Day, simplify: Simplify = 0.002):
    return GeoJSON(await run(request, geo.map_collection, source, on, simplify=simplify))


@router.get("/front", summary="The line of contact on a date (GeoJSON Feature, length in km)",
            response_class=GeoJSON)  # fmt: skip
async def front(request: Request, source: Source, on: Day, simplify: Simplify = 0.0):
    def make(store):
        row = frontline.front_on(store, source, on)
        return geo.feature(row.geometry, simplify=simplify, **row.as_dict())

    return GeoJSON(await run(request, make))


@router.get("/series", summary="Occupied area over time with the change since the previous row")
async def series(request: Request, source: Source, start: OptFrom = None, end: OptTo = None,
                 every: Annotated[areas.Every, Query(description="One row per snapshot, day, week or month.")]
                 = "snapshot",
                 flows: Annotated[bool, Query(description="Gross gains per side, not only the net change.")] = False,
                 land_only: LandOnly = False):  # fmt: skip
    return await run(request, areas.series, source, every=every, start=start, end=end, flows=flows,
                     land_only=land_only)  # fmt: skip


@router.get("/top", summary="The windows of a source's history ranked by the area (or depth) one side gained")
async def top(request: Request, source: Source,
              window: Annotated[int, Query(ge=1, le=366, description="Window length in days.")] = 7,
              side: Side = "UA", limit: Annotated[int, Query(ge=1, le=100)] = 10,
              start: OptFrom = None, end: OptTo = None,
              by: Annotated[Literal["area", "depth"], Query()] = "area"):  # fmt: skip
    ranker = changes.top_windows if by == "area" else advance_mod.depth_windows
    return await run(request, ranker, source, days=window, side=side.upper(), limit=limit, start=start, end=end)


@router.get("/place", summary="Who holds a place on a date, or its history of changes of side")
async def place(request: Request, name: Name, source: Source, on: OptDay = None, oblast: Oblast = None,
                history: Annotated[bool, Query(description="Every change of side, not one date.")] = False):  # fmt: skip
    pl = resolve_one(name, oblast=oblast)
    if history:
        return await run(request, settlements.place_history, source, pl)
    if on is None:
        raise InvalidWindow("give on=DATE, or history=true")
    return await run(request, settlements.place_control, source, pl, on)


@router.get("/places", summary="Settlements and their side at two dates; changed=true: those that changed hands")
async def places(request: Request, source: Source, start: From, end: To,
                 changed: Annotated[bool, Query()] = True, oblast: Oblast = None):  # fmt: skip
    fn = settlements.changed_places if changed else settlements.all_places
    return await run(request, fn, source, start, end, oblast=oblast)


@router.get("/search", summary="Places whose name matches (any usual spelling), best first")
async def search(name: Name, oblast: Oblast = None, limit: Annotated[int, Query(ge=1, le=50)] = 10):
    return [c.as_dict() for c in resolve(name, oblast=oblast, limit=limit)]


@router.get("/point", summary="Who held a point (lon, lat) on each map: its changes of side")
async def point(request: Request, source: Source, lon: Annotated[float, Query(ge=22, le=40.5)],
                lat: Annotated[float, Query(ge=44, le=52.5)]):  # fmt: skip
    return await run(request, geo.point_history, source, lon, lat)


@router.get("/distance", summary="Geodesic distance from a place to the nearest ground held by the other side")
async def distance(request: Request, name: Name, source: Source, on: OptDay = None, start: OptFrom = None,
                   end: OptTo = None, oblast: Oblast = None):  # fmt: skip
    pl = resolve_one(name, oblast=oblast)
    if start or end:
        if not (start and end):
            raise InvalidWindow("a series needs both from and to")
        return await run(request, advance_mod.distance_series, source, pl, start, end)
    if on is None:
        raise InvalidWindow("give on=DATE, or from and to")
    return await run(request, advance_mod.distance_to_other_side, source, pl, on)


@router.get("/advance", summary="Depth (km) and speed (km/day) of one side's advance between two dates")
async def advance(request: Request, source: Source, start: From, end: To, side: Side = "UA"):
    return await run(request, advance_mod.advance, source, start, end, side=side.upper())


class CheckRequest(BaseModel):
    text: str = Field(min_length=1, max_length=100_000, description="English news text.")
    published: str = Field(max_length=10, description="Its publication date (YYYY-MM-DD).")
    sources: list[str] | None = Field(default=None, max_length=10, description="Sources (default: all).")


@router.post("/check", summary="The checkable claims of a news text, each with a verdict per source")
async def check(request: Request, body: Annotated[CheckRequest, Body()]):
    from ..claims.check import check_text

    def make(store):
        srcs = body.sources or sorted(store.source_names())
        for s in srcs:
            _known(store, s)
        claims = check_text(store, body.text, published=body.published, sources=srcs)
        return {"published": body.published, "sources": srcs, "claims": claims}

    return await run(request, make)
