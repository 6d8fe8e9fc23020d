"""Adapters: how each source's own categories and dates are read."""

import datetime as dt
import io
import tarfile

import numpy as np
import orjson
import pytest
import shapely
from shapely.geometry import box, mapping

from frontwatch._geo import area_km2
from frontwatch.ingest import ingest
from frontwatch.sources import isw
from frontwatch.sources.deepstate import category
from tests.conftest import equal_area_km2, nzz_file


@pytest.mark.parametrize(
    ("props", "layer"),
    [
        ({"name": "Окуповано /// Occupied", "fill": "#a52714"}, "occupied"),
        ({"name": "ЛО /// CADR and CALR /// geoJSON.territories.ordlo", "fill": "#880e4f"}, "occupied"),
        ({"name": "Сіра зона /// Contested", "fill": "#bcaaa4"}, "contested"),
        ({"name": "Невідомо /// Unknown status", "fill": "#bcaaa4"}, "unknown"),
        ({"name": "Звільнено /// Liberated", "fill": "#0f9d58"}, "liberated"),
        ({"name": "Придністров'я", "fill": "#880e4f"}, None),
        ({"name": "/// Transnistria /// geoJSON.territories.transnistria", "fill": "#ff5252"}, None),
        ({"name": "Snake Island", "fill": "#a52714"}, "occupied"),
        ({"name": "Snake Island", "fill": "#0f9d58"}, "liberated"),
        ({"name": "Багатокутник 11", "fill": "#a52714"}, "occupied"),
        ({"name": "Taken back 25.03"}, "liberated"),
        ({"name": "Contensed"}, "contested"),
    ],
)
def test_deepstate_category_by_fill_then_name(props, layer):
    assert category(props) == layer


KHARKIV = box(36.5, 49.5, 37.5, 50.0)
SOUTH = box(34.0, 46.8, 35.0, 47.3)


def test_liveuamap_valid_date_is_dateto_not_file_date(tmp_path, fresh_store):
    f = nzz_file(tmp_path / "2022-09-10.json.gz", "2022-09-08", KHARKIV, datefrom="2022-09-06")
    ingest(fresh_store, "liveuamap-nzz", [f], workers=1)
    (rec,) = fresh_store.snapshots("liveuamap-nzz")
    assert rec.valid_date == "2022-09-08"
    assert rec.source_dates == {"date": "2022-09-08", "_datefrom": "2022-09-06",
                                "_dateto": "2022-09-08", "file_date": "2022-09-10"}  # fmt: skip


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feat(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def test_deepstate_revision_supersedes_daily_file_and_records_agreement(tmp_path, fresh_store):
    rev = {"revision": 1, "published_utc": "2024-11-14T20:00:00Z", "map": _fc(
        _feat(KHARKIV, name="Окуповано /// Occupied", fill="#a52714"),
        _feat(SOUTH, name="Сіра зона /// Contested", fill="#bcaaa4"),
        {"type": "Feature", "properties": {"name": "unit"}, "geometry": {"type": "Point",
                                                                          "coordinates": [36, 49]}})}  # fmt: skip
    (tmp_path / "rev.jsonl").write_bytes(orjson.dumps(rev))
    (tmp_path / "deepstatemap_data_20241115.geojson").write_bytes(orjson.dumps(_fc(_feat(KHARKIV))))
    ingest(fresh_store, "deepstate", [tmp_path / "deepstatemap_data_20241115.geojson"], workers=1)
    ingest(fresh_store, "deepstate", [tmp_path / "rev.jsonl"], workers=1)
    (used,) = fresh_store.snapshots("deepstate")
    assert used.kind == "revision" and used.valid_date == "2024-11-14"
    assert used.areas["contested"] == pytest.approx(equal_area_km2(SOUTH), rel=1e-4)
    assert used.occupied_km2 == pytest.approx(equal_area_km2(KHARKIV), rel=1e-4)
    daily = [r for r in fresh_store.snapshots("deepstate", usable_only=False) if r.kind == "daily"]
    assert daily[0].superseded_by == used.id
    assert "daily file agrees with revision" in daily[0].warnings[-1]
    assert "point" not in " ".join(fresh_store.layer_names(used.id)).lower()


def test_deepstate_reader_pauses_the_collector_only_while_it_parses(tmp_path):
    """The cycle collector is off while a revision or a daily file is parsed (it doubled the
    archive's parse), and back on whatever happens: between the maps the reader yields, after
    it, and after a line it refuses."""
    import gc

    from frontwatch.errors import InputFileError
    from frontwatch.sources import deepstate

    good = orjson.dumps({"revision": 1, "published_utc": "2024-11-14T20:00:00Z", "map": _fc(_feat(KHARKIV))})
    archive = tmp_path / "revs.jsonl"
    archive.write_bytes(good + b"\n" + good.replace(b"2024-11-14T20", b"2024-11-15T20") + b"\n{not json\n")
    assert gc.isenabled()
    seen = []
    with pytest.raises(InputFileError, match=r"line 3: malformed JSON"):
        for snap in deepstate.read(archive, archive.read_bytes()):
            seen.append((snap.valid_time.date().isoformat(), gc.isenabled()))
    assert seen == [("2024-11-14", True), ("2024-11-15", True)] and gc.isenabled()
    daily = tmp_path / "deepstatemap_data_20241115.geojson"
    daily.write_bytes(b"[1, 2")
    with pytest.raises(InputFileError, match="malformed JSON"):
        list(deepstate.read(daily, daily.read_bytes()))
    assert gc.isenabled()


@pytest.mark.parametrize(("source", "replaced"), [("deepstate", True), ("isw", False), ("my-map", False)])
def test_same_day_reconciliation_is_the_adapters_hook(fresh_store, source, replaced):
    # #12: a daily file and a revision of one day, each alone at its valid time: DeepState's
    # adapter hook lets the revision replace the daily file (its areas agree: same polygon);
    # the other adapters (a user's map: the geojson one) keep both
    from frontwatch.ingest import _supersede
    from frontwatch.snapshot import validate_snapshot
    from frontwatch.sources import adapter, stored_adapter
    from frontwatch.sources.contract import no_reconciliation
    from frontwatch.store.model import OCCUPIED, RawSnapshot

    def raw(kind, time):
        return RawSnapshot(source=source, valid_time=dt.datetime.fromisoformat(time), layers={OCCUPIED: [KHARKIV]},
                           file=f"{kind}.json", kind=kind, priority=f"{kind}-1")  # fmt: skip

    with fresh_store.transaction():
        daily = fresh_store.add_snapshot(validate_snapshot(raw("daily", "2024-11-14T23:59:59+00:00")), "a" * 64)
        rev = fresh_store.add_snapshot(validate_snapshot(raw("revision", "2024-11-14T20:00:00+00:00")), "b" * 64)
        assert _supersede(fresh_store, source, "2024-11-14") == int(replaced)
    assert (stored_adapter(source) is adapter("geojson")) == (source == "my-map")
    assert (stored_adapter(source).reconcile_day is no_reconciliation) == (not replaced)
    rec = fresh_store.snapshot(daily)
    assert rec.superseded_by == (rev if replaced else None)
    agrees = (f"daily file agrees with revision of 2024-11-14T20:00:00+00:00: "
              f"{rec.occupied_km2:,.1f} vs {rec.occupied_km2:,.1f} km² (+0.0)")  # fmt: skip
    assert rec.warnings == ([agrees] if replaced else [])
    assert [r.id for r in fresh_store.snapshots(source)] == ([rev] if replaced else [rev, daily])


def test_isw_archive_both_layouts(tmp_path, fresh_store):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tar:
        members = {
            "geoJSON/2022/September/RussianAssessedCoTinUkraine/20220908_RussianAssessedCoTinUkraine.geojson":
                _fc(_feat(KHARKIV, FID=1)),
            "geoJSON/2022/September/RussianClaimedCoTinUkraine/20220908_RussianClaimedCoTinUkraine.geojson":
                _fc(_feat(SOUTH, FID=1)),
            "data/20230520.geojson": _fc(_feat(SOUTH, layer="VIEW_RussiaCoTinUkraine_V3"),
                                         _feat(KHARKIV, layer="VIEW_ClaimedUkrainianCounteroffensives_V2"),
                                         {"type": "Feature", "properties": {"layer": "x"}, "geometry": None}),
        }  # fmt: skip
        for name, doc in members.items():
            data = orjson.dumps(doc)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    f = tmp_path / "isw.tar.xz"
    f.write_bytes(buf.getvalue())
    s = ingest(fresh_store, "isw", [f], workers=1)
    assert s.errors == [] and s.added == 2
    a, b = fresh_store.snapshots("isw")
    assert (a.valid_date, b.valid_date) == ("2022-09-08", "2023-05-20")
    assert a.occupied_km2 == pytest.approx(equal_area_km2(KHARKIV), rel=1e-4)
    assert a.areas["russian_claimed_control"] == pytest.approx(equal_area_km2(SOUTH), rel=1e-4)
    assert b.occupied_km2 == pytest.approx(equal_area_km2(SOUTH), rel=1e-4)
    assert "ukrainian_claimed_counteroffensives" in b.areas


def test_isw_per_layer_members_are_merged_and_repaired_by_validation(tmp_path, fresh_store):
    """The 2022 layout files each layer of each day apart: its polygons (overlapping,
    one self-intersecting) reach validation as drawn, which repairs the invalid one (on
    record) and merges them; the area is the union's."""
    west, east = box(36.0, 49.5, 36.8, 50.0), box(36.6, 49.6, 37.4, 50.1)
    bowtie = shapely.Polygon([(35.0, 48.0), (35.4, 48.3), (35.4, 48.0), (35.0, 48.3)])  # two lobes
    t = np.linspace(0, 2 * np.pi, 2100, endpoint=False)  # (enough vertices for cells)
    disc = shapely.Polygon(np.column_stack([33.0 + 0.2 * np.cos(t), 47.5 + 0.2 * np.sin(t)]))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tar:
        data = orjson.dumps(_fc(_feat(west, FID=1), _feat(east, FID=2), _feat(bowtie, FID=3), _feat(disc, FID=4)))
        info = tarfile.TarInfo("geoJSON/2022/September/RussianAssessedCoTinUkraine/"
                               "20220908_RussianAssessedCoTinUkraine.geojson")  # fmt: skip
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    f = tmp_path / "isw.tar.xz"
    f.write_bytes(buf.getvalue())
    (raw,) = isw.read(f, f.read_bytes())
    assert len(raw.layers["occupied"]) == 4  # as drawn: nothing merged while reading
    s = ingest(fresh_store, "isw", [f], workers=1)
    assert s.errors == [] and s.added == 1 and s.repaired == 1
    (rec,) = fresh_store.snapshots("isw")
    lobes = shapely.union(shapely.Polygon([(35.0, 48.0), (35.2, 48.15), (35.0, 48.3)]),
                          shapely.Polygon([(35.4, 48.0), (35.2, 48.15), (35.4, 48.3)]))  # fmt: skip
    expected = equal_area_km2(shapely.union(west, east)) + equal_area_km2(lobes) + equal_area_km2(disc)
    assert rec.occupied_km2 == pytest.approx(expected, rel=1e-4)
    assert any(w.startswith("repaired an invalid geometry in layer 'occupied'") for w in rec.warnings)
    # clipped by one overlay, not by cells: no cell line splits ISW's long straight edges,
    # so the stored layer measures what the snapshot says (differences of two maps too)
    layer = fresh_store.layer(rec.id)
    assert shapely.get_num_coordinates(layer) == shapely.get_num_coordinates(shapely.union_all([west, east, lobes, disc]))
    assert area_km2(layer) == pytest.approx(rec.occupied_km2, rel=1e-12)


def test_user_geojson_with_property(tmp_path, fresh_store):
    f = tmp_path / "mine.geojson"
    f.write_bytes(orjson.dumps(_fc(_feat(KHARKIV, status="occupied"), _feat(SOUTH, status="grey"))))
    ingest(fresh_store, "geojson", [f], workers=1, options={
        "date": "2024-05-01", "source": "mine", "occupied_property": "status",
        "occupied_value": "occupied"})  # fmt: skip
    (rec,) = fresh_store.snapshots("mine")
    assert rec.occupied_km2 == pytest.approx(equal_area_km2(KHARKIV), rel=1e-4)
    assert rec.areas["grey"] == pytest.approx(equal_area_km2(SOUTH), rel=1e-4)


def test_user_geopackage_in_projected_crs(tmp_path, fresh_store):
    import numpy as np
    import pyogrio.raw
    import shapely
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
    utm = shapely.transform(shapely.segmentize(KHARKIV, 0.01),
                            lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))  # fmt: skip
    path = tmp_path / "mine.gpkg"
    pyogrio.raw.write(path, geometry=np.array([shapely.to_wkb(utm)], dtype=object),
                      field_data=[np.array(["occupied"], dtype=object)], fields=["status"],
                      crs="EPSG:32637", driver="GPKG", geometry_type="Polygon")  # fmt: skip
    ingest(fresh_store, "geojson", [path], workers=1, options={"date": "2024-05-01"})
    (rec,) = fresh_store.snapshots("geojson")
    assert rec.occupied_km2 == pytest.approx(equal_area_km2(KHARKIV), rel=1e-3)


def test_user_geojson_without_the_property_is_refused_when_polygons_differ(tmp_path, fresh_store):
    # #18: a polygon marked "free" must not be counted as occupied without being told
    import shapely

    f = tmp_path / "mine.geojson"
    f.write_bytes(orjson.dumps(_fc(_feat(KHARKIV, status="occupied", name="a"), _feat(SOUTH, status="free", name="b"))))
    summary = ingest(fresh_store, "geojson", [f], workers=1, options={"date": "2024-05-01"})
    [error] = summary.errors
    assert "status: free, occupied" in error and "--occupied-property status" in error
    assert fresh_store.snapshots("geojson") == []
    # one category: all counted, and the warning says so
    g = tmp_path / "one.geojson"
    g.write_bytes(orjson.dumps(_fc(_feat(KHARKIV, status="occupied", name="a"), _feat(SOUTH, status="occupied", name="b"))))
    ingest(fresh_store, "geojson", [g], workers=1, options={"date": "2024-05-01"})
    (rec,) = fresh_store.snapshots("geojson")
    assert rec.occupied_km2 == pytest.approx(equal_area_km2(shapely.union(KHARKIV, SOUTH)), rel=1e-4)
    assert any("one category" in w for w in rec.warnings)
