"""``frontwatch update`` against a loopback replay of the live sources (#15): the answers
in each source's format, faults (500, 429 with Retry-After, a timeout, a truncated body, a
renamed field), resumption, conditional requests, and areas only in what is kept."""

from __future__ import annotations

import datetime as dt
import gzip
import re

import orjson
import pytest
from click.testing import CliRunner
from shapely.geometry import box, mapping

from frontwatch import fetch
from frontwatch.areas import area_on
from frontwatch.cli import main
from frontwatch.store import SQLiteStore
from tests.conftest import SAMPLES, equal_area_km2
from tests.replay import Replay

# Three DeepState revisions in the API's format: the occupied area grows eastwards of
# Pokrovsk each time; every map also carries unit positions (Points) and an attack arrow.
REVISIONS = [(1732813200, "2024-11-28T17:00:00.000Z", 37.10), (1732899600, "2024-11-29T17:00:00.000Z", 37.05),
             (1732986000, "2024-11-30T17:00:00.000Z", 37.00)]  # fmt: skip


def _ds_map(west: float) -> dict:
    occupied = box(west, 47.9, 37.9, 48.6)
    feats = [
        {"type": "Feature", "geometry": mapping(occupied),
         "properties": {"name": "Окупована територія /// Occupied territory", "fill": "#a52714"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.5, 48.2]},
         "properties": {"name": "5 омсбр /// 5th Motorized Rifle Brigade", "description": "{icon=enemy}"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[37.6, 48.2], [37.2, 48.3]]},
         "properties": {"name": "Напрямок атаки /// Direction of attack"}},
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": feats}


def _deepstate(replay: Replay, *, time_key: str = "datetime") -> None:
    listing = [{"id": rid, time_key: when, "description": "map update"} for rid, when, _ in REVISIONS]
    replay.routes["/api/history/public"] = orjson.dumps(listing)
    for rid, _, west in REVISIONS:
        replay.routes[f"/api/history/{rid}/geojson"] = orjson.dumps(_ds_map(west))


def _update(store, replay, *sources, since=None, **client_kw):
    client = fetch.Client(timeout_s=client_kw.pop("timeout_s", 5.0), sleep=lambda s: None, **client_kw)
    results = fetch.update(store, list(sources), base_urls={s: replay.url for s in sources}, client=client,
                           since=since, cache_dir=store.path + ".raw")  # fmt: skip
    return results, client


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "fw.gpkg")
    yield s
    s.close()


def test_deepstate_revisions_are_fetched_once_and_areas_only_are_kept(store):
    with Replay() as replay:
        _deepstate(replay)
        [r], client = _update(store, replay, "deepstate", since=dt.date(2024, 11, 28))
        assert r.error is None and r.fetched.maps_fetched == 3 and r.added == 3, r.as_dict()
        # the stored area is that of the occupied box (an independent equal-area measure)
        want = equal_area_km2(box(37.00, 47.9, 37.9, 48.6))
        got = area_on(store, "deepstate", "2024-11-30")["occupied_km2"]
        assert got == pytest.approx(want, rel=1e-3)
        # the raw cache holds the polygons only, with the provenance of each answer
        for path in fetch.RawCache(store.path + ".raw").files("deepstate"):
            line = orjson.loads(gzip.decompress(path.read_bytes()))
            assert {f["geometry"]["type"] for f in line["map"]["features"]} == {"Polygon"}
            prov = line["provenance"]
            assert prov["url"].startswith(replay.url + "/api/history/") and len(prov["response_sha256"]) == 64
        # a second run fetches no map again, and asks for the list conditionally
        replay.log.clear()
        [r2], _ = _update(store, replay, "deepstate", since=dt.date(2024, 11, 28))
        assert r2.fetched.maps_fetched == 0 and r2.fetched.already_cached == 3 and r2.added == 0
        assert replay.paths() == ["/api/history/public"]
        assert replay.log[0][1].get("If-None-Match")
        assert all(h.get("User-Agent", "").startswith("frontwatch/") for _, h in replay.log)


def test_faults_are_retried_with_backoff_and_retry_after(store):
    with Replay() as replay:
        _deepstate(replay, time_key="createdAt")  # a renamed field is read too
        first, second, third = (f"/api/history/{rid}/geojson" for rid, _, _ in REVISIONS)
        replay.faults["/api/history/public"] = [500, (429, 7)]
        replay.faults[first] = ["truncated"]
        replay.faults[second] = ["timeout"]
        replay.delay_s = 1.5
        [r], client = _update(store, replay, "deepstate", since=dt.date(2024, 11, 28), timeout_s=0.5)
        assert r.error is None and r.added == 3, r.as_dict()
        assert len(client.waits) == 4  # 500, 429, truncated, timeout: one retry each
        assert client.waits[1] >= 7  # Retry-After is a floor
        assert all(0 <= w <= client.max_wait_s for w in client.waits)


def test_a_source_that_keeps_failing_is_reported_and_changes_nothing(store, tmp_path):
    with Replay() as replay:
        _deepstate(replay)
        replay.faults["/api/history/public"] = [503] * 10
        [r], client = _update(store, replay, "deepstate", since=dt.date(2024, 11, 28), retries=2)
        assert r.error and "HTTP 503" in r.error and "3 attempts" in r.error
        assert store.snapshots("deepstate") == []
        # a map that is not a FeatureCollection is refused by URL, nothing ingested
        replay.faults.clear()
        rid = REVISIONS[0][0]
        replay.routes[f"/api/history/{rid}/geojson"] = b'{"type": "Topology"}'
        [r], _ = _update(store, replay, "deepstate", since=dt.date(2024, 11, 28))
        assert r.error and f"/api/history/{rid}/geojson" in r.error and "FeatureCollection" in r.error
        assert store.snapshots("deepstate") == []


def test_liveuamap_days_are_fetched_from_the_replayed_scrape(store):
    files = {p.name[:10]: p for p in sorted((SAMPLES / "liveuamap-nzz").glob("*.json.gz"))}
    days = sorted(files)[:4]

    def areas(query):
        assert query["appendItemToPayload"] == [fetch.sources.NZZ_QUERY["appendItemToPayload"]]
        day = query["to"][0]
        return (200, {}, gzip.decompress(files[day].read_bytes())) if day in files else (404, {}, b"{}")

    with Replay() as replay:
        replay.routes["/getAreas"] = areas
        client = fetch.Client(sleep=lambda s: None)
        [r] = fetch.update(store, ["liveuamap-nzz"], base_urls={"liveuamap-nzz": replay.url}, client=client,
                           since=dt.date.fromisoformat(days[0]), today=dt.date.fromisoformat(days[-1]),
                           cache_dir=store.path + ".raw")  # fmt: skip
        assert r.error is None and r.fetched.maps_fetched == 4, r.as_dict()
        # the same store fed the sample files directly gives the same areas
        direct = SQLiteStore(":memory:")
        from frontwatch.ingest import ingest

        ingest(direct, "liveuamap-nzz", [files[d] for d in days], workers=1)
        for d in days:
            assert area_on(store, "liveuamap-nzz", d)["occupied_km2"] == pytest.approx(
                area_on(direct, "liveuamap-nzz", d)["occupied_km2"], rel=1e-9
            )
        # the next update (no --since) starts after the newest stored map: nothing to fetch
        replay.log.clear()
        [r2] = fetch.update(store, ["liveuamap-nzz"], base_urls={"liveuamap-nzz": replay.url}, client=client,
                            today=dt.date.fromisoformat(days[-1]), cache_dir=store.path + ".raw")  # fmt: skip
        assert r2.fetched.maps_fetched == 0 and replay.log == []


def test_isw_layers_are_paged_and_named(store):
    assessed = box(36.5, 47.9, 37.9, 48.6)
    claimed = box(36.4, 47.9, 36.5, 48.6)
    pages = {"VIEW_RussiaCoTinUkraine_V3": [[assessed.intersection(box(0, 0, 37.2, 90))],
                                            [assessed.intersection(box(37.2, 0, 90, 90))]],
             "VIEW_ClaimedRussianTerritoryinUkraine_V2": [[claimed]],
             "VIEW_ClaimedUkrainianCounteroffensives_V2": [[]]}  # fmt: skip
    edited_ms = int(dt.datetime(2025, 6, 2, 2, 30, tzinfo=dt.UTC).timestamp() * 1000)

    def query(service):
        def answer(q):
            assert q["f"] == ["geojson"] and q["where"] == ["1=1"]
            i = int(q["resultOffset"][0])
            chunks = pages[service]
            page = chunks[i] if i < len(chunks) else []
            doc = {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": mapping(g), "properties": {"OBJECTID": i}} for g in page],
            }
            if i + 1 < len(chunks):
                doc["exceededTransferLimit"] = True
            return 200, {}, orjson.dumps(doc)

        return answer

    with Replay() as replay:
        for service, layer in fetch.sources.ISW_LAYERS:
            replay.routes[f"/{service}/FeatureServer/{layer}"] = orjson.dumps({"editingInfo": {"lastEditDate": edited_ms}})
            replay.routes[f"/{service}/FeatureServer/{layer}/query"] = query(service)
        [r], _ = _update(store, replay, "isw")
        assert r.error is None and r.added == 1, r.as_dict()
        assert r.fetched.latest == "2025-06-01"  # edited 02:30 UTC on the 2nd: the assessment of the 1st
        got = area_on(store, "isw", "2025-06-01")["occupied_km2"]
        assert got == pytest.approx(equal_area_km2(assessed), rel=1e-3)


def test_cli_update_prints_one_line_and_exits_for_cron(tmp_path):
    db = tmp_path / "cli.gpkg"
    with Replay() as replay:
        _deepstate(replay)
        run = CliRunner().invoke(main, ["--db", str(db), "update", "deepstate", "--base-url", replay.url,
                                        "--since", "2024-11-28"])  # fmt: skip
        assert run.exit_code == 0, run.output
        assert re.search(r"^deepstate: 3 map\(s\) fetched, 0 already cached, 3 snapshot\(s\) added", run.output)
        replay.faults["/api/history/public"] = [500] * 3
        run = CliRunner().invoke(main, ["--db", str(db), "update", "deepstate", "--base-url", replay.url,
                                        "--retries", "0"])  # fmt: skip
        assert run.exit_code == 1 and "deepstate: failed:" in run.output and "HTTP 500" in run.output


@pytest.mark.shared_data
def test_real_deepstate_revisions_replayed_give_the_archive_s_areas(shared_data, store, tmp_path):
    """The first revisions of DeepState's real archive, served as its API serves them (with
    their unit Points), give through ``update`` the areas the archive gives when ingested."""
    import lzma

    lines = []
    with lzma.open(shared_data / "deepstate-history" / "deepstate-revisions-2022-2025.jsonl.xz") as fh:
        for raw in fh:
            lines.append(orjson.loads(raw))
            if len(lines) == 3:
                break
    assert any(f["geometry"]["type"] == "Point" for f in lines[0]["map"]["features"])
    with Replay() as replay:
        replay.routes["/api/history/public"] = orjson.dumps(
            [{"id": o["revision"], "datetime": o["published_utc"]} for o in lines]
        )
        for o in lines:  # the live API sends the map as a JSON string, wrapped with its id
            replay.routes[f"/api/history/{o['revision']}/geojson"] = orjson.dumps(
                orjson.dumps({"id": o["revision"], "map": o["map"]}).decode()
            )
        since = dt.date.fromisoformat(lines[0]["published_utc"][:10])
        [r], _ = _update(store, replay, "deepstate", since=since)
    assert r.error is None and r.added == len({o["published_utc"] for o in lines}), r.as_dict()
    archive = tmp_path / "three.jsonl"
    archive.write_bytes(b"\n".join(orjson.dumps(o) for o in lines))
    direct = SQLiteStore(":memory:")
    from frontwatch.ingest import ingest

    ingest(direct, "deepstate", [archive], workers=1)
    got = [(s.valid_time, round(s.occupied_km2, 3)) for s in store.snapshots("deepstate")]
    want = [(s.valid_time, round(s.occupied_km2, 3)) for s in direct.snapshots("deepstate")]
    assert got == want and len(got) >= 2
    for path in fetch.RawCache(store.path + ".raw").files("deepstate"):
        kept = orjson.loads(gzip.decompress(path.read_bytes()))
        geoms = [f["geometry"] for f in kept["map"]["features"]]
        geoms += [g for c in geoms if c["type"] == "GeometryCollection" for g in c["geometries"]]
        assert {g["type"] for g in geoms} <= {"Polygon", "MultiPolygon", "GeometryCollection"}


def test_raw_cache_of_a_database_store_is_a_folder_of_its_own(tmp_path, monkeypatch):
    """Beside a store file, ``<file>.raw``; for a PostGIS URL, a folder in the user's data
    folder named by host, port and database, never by the password, never a relative
    ``postgresql:`` folder in the working directory."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    class _Store:
        path = "postgresql://analyst:s3cret@db.example.org:5433/frontwatch"

    got = fetch.default_cache(_Store())
    assert got == tmp_path / "data" / "frontwatch" / "raw" / "db.example.org-5433-frontwatch.raw"
    _Store.path = str(tmp_path / "fw.gpkg")
    assert fetch.default_cache(_Store()) == tmp_path / "fw.gpkg.raw"
