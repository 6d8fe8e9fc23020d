"""The web API: the same numbers as the library, one error shape with 4xx codes, read-only,
limits on body size and time (FastAPI's test client; the page itself: test_web_browser.py)."""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import closing

import pytest
from fastapi.testclient import TestClient

from frontwatch import areas, changes
from frontwatch.claims.check import check_text
from frontwatch.gazetteer import resolve_one
from frontwatch.settlements import place_history
from frontwatch.store import SQLiteStore
from frontwatch.web import SETTINGS, Settings, create_app
from tests.conftest import ROOT, SAMPLES, sqlite_only

ARTICLE = SAMPLES / "articles" / "2022-09-ukraine-retook-1000-km2.txt"
WEEK = {"source": "liveuamap-nzz", "from": "2022-09-04", "to": "2022-09-11"}
ENDPOINTS = {"/api/sources", "/api/area", "/api/change", "/api/change/geojson", "/api/series", "/api/top",
             "/api/place", "/api/places", "/api/distance", "/api/advance", "/api/front", "/api/check", "/api/map",
             "/api/snapshots", "/api/point", "/api/search", "/api/basemap", "/api/config", "/api/change/png",
             "/api/report"}  # fmt: skip


@pytest.fixture(scope="module")
def app(sample_store):
    return create_app(sample_store.path)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def ok(client, url, **params):
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def assert_error(r, status: int, kind: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert list(body) == ["error"]
    err = body["error"]
    assert {"status", "type", "message"} <= set(err) and (err["status"], err["type"]) == (status, kind)
    assert isinstance(err["message"], str) and err["message"]
    return err


def test_settings_registry_matches_the_settings():
    assert [s.name for s in SETTINGS] == list(Settings.__dataclass_fields__)
    assert all(getattr(Settings(), s.name) == s.default for s in SETTINGS)
    with pytest.raises(ValueError, match="tiles_url"):
        Settings(tiles_url="file:///etc/passwd")


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [s.name for s in SETTINGS if f"`--{s.name.replace('_', '-')}`" not in readme] == []


def test_openapi_lists_the_endpoints(client):
    doc = ok(client, "/openapi.json")
    assert ENDPOINTS <= set(doc["paths"])
    assert set(doc["paths"]["/api/check"]) == {"post"}
    assert all(set(ops) == {"get"} for p, ops in doc["paths"].items() if p != "/api/check")


def test_docs_page_lists_every_endpoint_and_loads_nothing_from_outside(client):
    """/docs is rendered on the server from the schema: every path, each parameter of
    /api/change with its type, and no script or stylesheet from another host."""
    spec = client.get("/openapi.json").json()
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in html, path
    change = spec["paths"]["/api/change"]["get"]["parameters"]
    assert change and all(f"<code>{p['name']}</code>" in html for p in change)
    assert "<script" not in html and not re.search(r"(src|href)=\"(https?:)?//", html)
    assert client.get("/redoc").status_code == 404


def test_area_and_change_are_the_library_numbers(client, sample_store):
    a = ok(client, "/api/area", source="liveuamap-nzz", on="2022-09-09")
    ref = areas.area_on(sample_store, "liveuamap-nzz", "2022-09-09")
    assert (a["occupied_km2"], a["snapshot_date"], a["lag_days"]) == (ref.occupied_km2, "2022-09-08", 1)
    assert a == ref.as_dict()
    ch = ok(client, "/api/change", **WEEK, by_oblast="true")
    got = changes.change_between(sample_store, "liveuamap-nzz", "2022-09-04", "2022-09-11", by_oblast=True)
    for k in ("ua_gain_km2", "ru_gain_km2", "net_km2", "masked_km2", "from_snapshot", "to_snapshot"):
        assert ch[k] == getattr(got, k)
    assert ch["by_oblast"] == [o.as_dict() for o in got.by_oblast or []]
    assert ch["provenance"]["to"]["sha256"] == got.provenance["to"]["sha256"]


def test_change_geojson_has_each_side_with_its_area(client):
    fc = ok(client, "/api/change/geojson", **WEEK)
    assert fc["type"] == "FeatureCollection"
    by_kind = {f["properties"]["kind"]: f for f in fc["features"]}
    assert set(by_kind) == {"ua_gain", "ru_gain"}
    assert by_kind["ua_gain"]["properties"]["area_km2"] == pytest.approx(fc["properties"]["ua_gain_km2"], abs=0.05)
    assert by_kind["ua_gain"]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_print_map_and_report_from_the_server(client, sample_store):
    png = client.get("/api/change/png", params={**WEEK, "dpi": 60})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    page = client.get("/api/report", params=WEEK)
    assert page.status_code == 200 and page.text.count("data:image/png;base64,") == 2
    ref = changes.change_between(sample_store, "liveuamap-nzz", "2022-09-04", "2022-09-11")
    assert f"{ref['ua_gain_km2']:,.0f} km²" in page.text


def test_map_of_a_date_carries_the_area_and_the_coverage(client, sample_store):
    fc = ok(client, "/api/map", source="liveuamap-nzz", on="2022-09-10")
    assert fc["properties"]["occupied_km2"] == areas.area_on(sample_store, "liveuamap-nzz", "2022-09-10")["occupied_km2"]
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds[0] == "occupied" and "front" in kinds
    assert any(f["properties"].get("label") == "Crimea: not drawn by liveuamap-nzz" for f in fc["features"])
    snaps = ok(client, "/api/snapshots", source="liveuamap-nzz")
    assert [s["date"] for s in snaps["snapshots"]][-2:] == ["2022-09-11", "2022-09-20"]


def test_series_places_and_place_history_match_the_library(client, sample_store):
    rows = ok(client, "/api/series", source="deepstate", every="week")
    assert rows == [r.as_dict() for r in areas.series(sample_store, "deepstate", every="week", flows=False)]
    changed = ok(client, "/api/places", **WEEK)
    assert len(changed["places"]) == 704  # 708 GeoNames entries, 4 same-name duplicates within 1 km (#11)
    h = ok(client, "/api/place", name="Kupyansk", source="liveuamap-nzz", history="true")
    assert h == place_history(sample_store, "liveuamap-nzz", resolve_one("Kupiansk")).as_dict()
    assert h["transitions"][-1] == {"snapshot_date": "2022-09-11", "side": "UA", "previous": "RU"}
    p = ok(client, "/api/point", source="liveuamap-nzz", lon=h["place"]["lon"], lat=h["place"]["lat"])
    assert p["transitions"] == h["transitions"] and p["point"]["oblast"] == "Kharkiv"


def test_series_with_flows_on_a_read_only_store(tmp_path, sample_store):
    """The steps a series with flows would keep cannot be written: they are computed, not kept."""
    sqlite_only(sample_store, "a copy of the store file")
    db = tmp_path / "nosteps.gpkg"
    with closing(sqlite3.connect(sample_store.path)) as src, closing(sqlite3.connect(db)) as dst:
        src.backup(dst)
        dst.execute("DELETE FROM fw_steps")
        dst.commit()
    with TestClient(create_app(db)) as c:
        rows = ok(c, "/api/series", source="deepstate", flows="true")
    ref = areas.series(sample_store, "deepstate", flows=True)
    assert len(rows) == len(ref) > 16
    assert [r["ua_gain_km2"] for r in rows] == [r.ua_gain_km2 for r in ref]
    assert [r["ru_gain_km2"] for r in rows] == [r.ru_gain_km2 for r in ref]
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM fw_steps").fetchone()[0] == 0  # nothing written


def test_distance_advance_front_top(client):
    d = ok(client, "/api/distance", name="Kupiansk", source="liveuamap-nzz", on="2022-09-09")
    assert (d["side"], d["snapshot_date"]) == ("RU", "2022-09-08") and d["distance_km"] > 0
    a = ok(client, "/api/advance", source="liveuamap-nzz", **{"from": "2022-09-08", "to": "2022-09-11"})
    assert a["max_depth_km"] > 30
    f = ok(client, "/api/front", source="deepstate", on="2024-11-30")
    assert f["geometry"]["type"] == "MultiLineString" and f["properties"]["length_km"] > 1000
    t = ok(client, "/api/top", source="liveuamap-nzz", window=7, side="ua", limit=1)
    assert len(t) == 1 and t[0]["to_snapshot"] == "2022-09-11"


def test_check_gives_claims_with_verdicts(client, sample_store):
    text = ARTICLE.read_text(encoding="utf-8")
    r = client.post("/api/check", json={"text": text, "published": "2022-09-10", "sources": ["liveuamap-nzz"]})
    assert r.status_code == 200, r.text
    got = r.json()
    ref = check_text(sample_store, text, published="2022-09-10", sources=["liveuamap-nzz"])
    assert [c["kind"] for c in got["claims"]] == [c["kind"] for c in ref]
    assert [v["verdict"] for c in got["claims"] for v in c["verdicts"]] == [v["verdict"] for c in ref for v in c["verdicts"]]
    assert got["claims"][0]["verdicts"][0]["source"] == "liveuamap-nzz"


@pytest.mark.parametrize("url, status, kind", [
    ("/api/area?source=nope&on=2022-09-09", 404, "UnknownSource"),
    ("/api/area?source=liveuamap-nzz&on=2022-13-01", 400, "InvalidDate"),
    ("/api/area?source=liveuamap-nzz&on=2020-01-01", 404, "SnapshotNotFound"),
    ("/api/area?source=liveuamap-nzz", 400, "InvalidParameter"),
    ("/api/top?source=liveuamap-nzz&window=0", 400, "InvalidParameter"),
    ("/api/top?source=liveuamap-nzz&side=XX", 400, "InvalidParameter"),
    ("/api/place?name=Nowhereville&source=liveuamap-nzz&history=true", 404, "PlaceNotFound"),
    ("/api/place?name=Kupiansk&source=liveuamap-nzz", 400, "InvalidWindow"),
    ("/api/point?source=liveuamap-nzz&lon=100&lat=49", 400, "InvalidParameter"),
    ("/api/no-such-thing", 404, "NotFound"),
])  # fmt: skip
def test_errors_have_one_shape(client, url, status, kind):
    assert_error(client.get(url), status, kind)


def test_ambiguous_place_lists_candidates(client):
    err = assert_error(client.get("/api/place", params={"name": "Shevchenkove", "source": "liveuamap-nzz",
                                                        "on": "2022-09-09"}), 409, "AmbiguousPlace")  # fmt: skip
    assert len(err["candidates"]) > 1 and {c["name"] for c in err["candidates"]} == {"Shevchenkove"}


@pytest.mark.parametrize("method, url", [("delete", "/api/area"), ("post", "/api/change"), ("put", "/api/check"),
                                         ("patch", "/api/sources"), ("post", "/"), ("put", "/static/app.js")])  # fmt: skip
def test_writes_are_refused(client, method, url):
    assert_error(getattr(client, method)(url), 405, "MethodNotAllowed")


def test_check_refuses_bad_bodies(client):
    assert_error(client.post("/api/check", json={"text": "", "published": "2022-09-10"}), 400, "InvalidParameter")
    assert_error(client.post("/api/check", json={"text": "x", "published": "10/09/2022"}), 400, "InvalidDate")
    assert_error(client.post("/api/check", json={"text": "x", "published": "2022-09-10", "sources": ["nope"]}),
                 404, "UnknownSource")  # fmt: skip
    assert_error(client.post("/api/check", content=b"{not json", headers={"Content-Type": "application/json"}),
                 400, "InvalidParameter")  # fmt: skip


def test_body_and_time_limits(sample_store):
    with TestClient(create_app(sample_store.path, max_body_bytes=1_000, timeout_s=0.01)) as c:
        err = assert_error(c.post("/api/check", json={"text": "x" * 5_000, "published": "2022-09-10"}),
                           413, "BodyTooLarge")  # fmt: skip
        assert "1,000 bytes" in err["message"]
        assert_error(c.get("/api/places", params={**WEEK, "changed": "false"}), 503, "RequestTimeout")


def test_each_thread_has_its_own_read_only_store(app, client):
    pool = app.state.fw.stores
    results = []

    def ask():
        results.append(client.get("/api/area", params={"source": "deepstate", "on": "2024-11-15"}).status_code)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 12
    assert 1 <= pool.opened <= app.state.fw.settings.threads
    store = pool.get()
    if isinstance(store, SQLiteStore):  # (SQLite's query_only mode)
        assert store.conn.execute("PRAGMA query_only").fetchone()[0] == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.conn.execute("DELETE FROM fw_changes")


def test_page_and_its_files_are_local(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page.text)
    assert refs and all(r.startswith("/") and not r.startswith("//") or r.startswith("data:") for r in refs)
    for r in refs:
        if r.startswith("/"):
            assert client.get(r.replace("&amp;", "&")).status_code == 200, r
    js = client.get("/static/app.js").text
    assert "http://" not in js and "https://" not in js
    base = ok(client, "/api/basemap")
    kinds = {f["properties"]["kind"] for f in base["features"]}
    assert kinds == {"neighbour", "land", "oblast", "town"}
