"""What each live source serves and how a fetch of it becomes files the adapters read.

Each fetcher takes the client, the cache, a base URL and the first day wanted, fetches
what the cache does not hold yet, and returns a :class:`Fetched`. Field names of the live
APIs are read tolerantly (several spellings, a JSON document sent as a JSON string); an
answer that is not what the source serves raises :class:`~frontwatch.fetch.http.FetchError`
naming the URL.

Sources and endpoints
---------------------
deepstate
    ``{base}/api/history/public``: the list of revisions (each an ``id`` in Unix seconds and
    its publication time, ``datetime`` or ``createdAt``); ``{base}/api/history/<id>/geojson``:
    one revision's map. Stored as one line of the revision archive's format.
isw
    ArcGIS FeatureServer layers (assessed Russian control, claimed Russian control, claimed
    Ukrainian counteroffensives) queried as GeoJSON, page by page. The map's day is the
    day of the assessed layer's last edit less 12 h (ISW edits in the US evening), else the
    fetch day less one (the convention of the Nikkei archive). Stored as the archive's
    ``data/YYYYMMDD.geojson`` with a ``layer`` property per feature.
liveuamap-nzz
    The NZZ q-server ``getAreas`` endpoint, one request per day (``to=YYYY-MM-DD``),
    answering ``{"value": FeatureCollection}``. Stored as ``YYYY-MM-DD.json``.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .cache import RawCache, areas_only, provenance
from .http import Client, FetchError

DEFAULT_BASE = {
    "deepstate": "https://deepstatemap.live",
    "isw": "https://services5.arcgis.com/SaBe5HMtmnbqSWlu/arcgis/rest/services",
    "liveuamap-nzz": "https://q-server.st-cdn.nzz.ch/tools/custom_code/endpoints/2484ed2804c37655aa53312284ef8f7f",
}
NZZ_QUERY = {
    "appendItemToPayload": "c43940da317fdc578cf589dd9357512c",
    "toolRuntimeConfig": '{"fileRequestBaseUrl":"https://q-server.st-cdn.nzz.ch/file"}',
}
ISW_LAYERS = (
    ("VIEW_RussiaCoTinUkraine_V3", 49),
    ("VIEW_ClaimedRussianTerritoryinUkraine_V2", 49),
    ("VIEW_ClaimedUkrainianCounteroffensives_V2", 51),
)
"""(service, layer id) of ISW's live layers, as the Nikkei ISW repository lists them; the
first is assessed control (the occupied area)."""
ISW_PAGE = 2000


@dataclass
class Fetched:
    """What one fetch of a source did."""

    source: str
    files: list[Path] = field(default_factory=list)
    """New or changed files, to ingest."""
    maps_fetched: int = 0
    already_cached: int = 0
    not_modified: int = 0
    latest: str | None = None
    notes: list[str] = field(default_factory=list)


def _json(response) -> object:
    """The JSON of an answer; a JSON document sent as a JSON string is unwrapped."""
    try:
        doc = orjson.loads(response.body)
        if isinstance(doc, str):
            doc = orjson.loads(doc)
    except orjson.JSONDecodeError as exc:
        raise FetchError(response.url, f"the answer is not JSON ({exc}); truncated?") from None
    return doc


def _collection(url: str, doc: object) -> dict:
    if isinstance(doc, dict) and isinstance(doc.get("map"), dict):
        doc = doc["map"]
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise FetchError(url, "expected a GeoJSON FeatureCollection (an object with 'features')")
    return doc


# -- DeepState -----------------------------------------------------------------------

_ID_KEYS = ("id", "revision", "_id")
_TIME_KEYS = ("datetime", "createdAt", "created_at", "published_utc", "publishedAt", "date", "updatedAt")


def _revision(item: object) -> tuple[int, dt.datetime] | None:
    """(id, publication time, UTC) of one entry of DeepState's revision list."""
    if isinstance(item, int | str):
        item = {"id": item}
    if not isinstance(item, dict):
        return None
    rid: Any = next((item[k] for k in _ID_KEYS if k in item), None)
    try:
        rid = int(rid)
    except (TypeError, ValueError):
        return None
    for key in _TIME_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value:
            try:
                t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return rid, (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    if 10**9 <= rid < 10**10:  # the id is the Unix time of publication
        return rid, dt.datetime.fromtimestamp(rid, dt.UTC)
    return None


def fetch_deepstate(client: Client, cache: RawCache, base: str, since: dt.date | None) -> Fetched:
    out = Fetched("deepstate")
    url = f"{base.rstrip('/')}/api/history/public"
    listing = _get_json(client, cache, url, "deepstate", ".list.json")
    items = listing
    if isinstance(listing, dict):
        keys = ("data", "items", "history", "revisions")
        items = next((listing[k] for k in keys if isinstance(listing.get(k), list)), None)
    if not isinstance(items, list):
        raise FetchError(url, "expected a list of revisions")
    revisions = sorted(r for r in map(_revision, items) if r is not None)
    if items and not revisions:
        raise FetchError(url, "no entry of the revision list has an id and a publication time")
    if since is None:
        revisions = revisions[-1:]
        out.notes.append("no --since and nothing stored yet: the newest revision only")
    else:
        revisions = [r for r in revisions if r[1].date() >= since]
    for rid, published in revisions:
        name = f"rev-{rid}.jsonl.gz"
        if cache.has("deepstate", name):
            out.already_cached += 1
            continue
        map_url = f"{base.rstrip('/')}/api/history/{rid}/geojson"
        r = client.get(map_url)
        fc = areas_only(_collection(map_url, _json(r)))
        line = {"revision": rid, "published_utc": published.isoformat().replace("+00:00", "Z"),
                "map": fc, "provenance": provenance(r)}  # fmt: skip
        path, new = cache.put("deepstate", name, line, provenance(r))
        out.maps_fetched += 1
        if new:
            out.files.append(path)
    if revisions:
        out.latest = revisions[-1][1].isoformat(timespec="minutes")
    return out


def _get_json(client: Client, cache: RawCache, url: str, source: str, keep_as: str) -> object:
    """A JSON index fetched conditionally; on 304 the copy kept from the last answer."""
    kept = cache.path(source, keep_as)
    v = cache.validators(url) if kept.exists() else {}
    r = client.get(url, etag=v.get("etag"), last_modified=v.get("last_modified"))
    if r.not_modified:
        return orjson.loads(kept.read_bytes())
    doc = _json(r)
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(orjson.dumps(doc))
    cache.remember(r)
    return doc


# -- ISW -----------------------------------------------------------------------------


def _isw_day(meta: object, today: dt.date) -> dt.date:
    edited = (meta or {}).get("editingInfo", {}).get("lastEditDate") if isinstance(meta, dict) else None
    if isinstance(edited, int | float) and edited > 0:
        return (dt.datetime.fromtimestamp(edited / 1000, dt.UTC) - dt.timedelta(hours=12)).date()
    return today - dt.timedelta(days=1)


def _isw_layer(client: Client, layer_url: str, answers: list) -> list[dict]:
    feats: list[dict] = []
    offset = 0
    while True:
        q = urllib.parse.urlencode({"where": "1=1", "outFields": "*", "returnGeometry": "true", "f": "geojson",
                                    "resultOffset": offset, "resultRecordCount": ISW_PAGE})  # fmt: skip
        url = f"{layer_url}/query?{q}"
        r = client.get(url)
        answers.append(provenance(r))
        doc = _json(r)
        if isinstance(doc, dict) and "error" in doc:
            raise FetchError(url, f"the server answered an error: {doc['error']}")
        page = _collection(url, doc)["features"]
        assert isinstance(doc, dict)  # (_collection accepted it)
        feats.extend(page)
        more = doc.get("exceededTransferLimit") or (doc.get("properties") or {}).get("exceededTransferLimit")
        if not more or not page:
            return feats
        offset += len(page)


def fetch_isw(client: Client, cache: RawCache, base: str, since: dt.date | None,
              today: dt.date | None = None) -> Fetched:  # fmt: skip
    out = Fetched("isw")
    today = today or dt.datetime.now(dt.UTC).date()
    service, layer = ISW_LAYERS[0]
    meta_url = f"{base.rstrip('/')}/{service}/FeatureServer/{layer}?f=json"
    day = _isw_day(_json(client.get(meta_url)), today)
    name = f"{day:%Y%m%d}.geojson.gz"
    out.latest = day.isoformat()
    if since is not None and day < since:
        out.notes.append(f"ISW's live map is of {day}, before --since")
        return out
    if cache.has("isw", name):
        out.already_cached += 1
        return out
    features: list[dict] = []
    answers: list[dict] = []
    last = None
    for service, layer in ISW_LAYERS:
        layer_url = f"{base.rstrip('/')}/{service}/FeatureServer/{layer}"
        for f in _isw_layer(client, layer_url, answers):
            props = {k: v for k, v in (f.get("properties") or {}).items() if k.lower() != "layer"}
            features.append({**f, "properties": {**props, "layer": service}})
        last = layer_url
    if not any(f["properties"]["layer"] == ISW_LAYERS[0][0] and f.get("geometry") for f in features):
        raise FetchError(last or base, "ISW's assessed-control layer came back empty")
    prov = {"url": answers[0]["url"], "fetched_at": answers[0]["fetched_at"],
            "response_sha256": answers[0]["response_sha256"], "answers": answers}  # fmt: skip
    fc = areas_only({"type": "FeatureCollection", "features": features, "provenance": prov})
    path, new = cache.put("isw", name, fc, prov)
    out.maps_fetched += 1
    if new:
        out.files.append(path)
    return out


# -- liveuamap (NZZ) ----------------------------------------------------------------


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


def fetch_liveuamap(client: Client, cache: RawCache, base: str, since: dt.date | None,
                    today: dt.date | None = None) -> Fetched:  # fmt: skip
    out = Fetched("liveuamap-nzz")
    today = today or dt.datetime.now(dt.UTC).date()
    start = since or today
    for day in _days(start, today):
        name = f"{day.isoformat()}.json.gz"
        if cache.has("liveuamap-nzz", name):
            out.already_cached += 1
            continue
        q = urllib.parse.urlencode({**NZZ_QUERY, "to": day.isoformat()})
        url = f"{base.rstrip('/')}/getAreas?{q}"
        r = client.get(url)
        doc = _json(r)
        if not isinstance(doc, dict) or not isinstance(doc.get("value"), dict):
            raise FetchError(url, "expected an object with a 'value' FeatureCollection")
        value = areas_only(_collection(url, doc["value"]))
        path, new = cache.put("liveuamap-nzz", name, {"value": value, "provenance": provenance(r)}, provenance(r))
        out.maps_fetched += 1
        out.latest = day.isoformat()
        if new:
            out.files.append(path)
    return out


FETCHERS = {"deepstate": fetch_deepstate, "isw": fetch_isw, "liveuamap-nzz": fetch_liveuamap}
