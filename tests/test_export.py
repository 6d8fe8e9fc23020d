"""``frontwatch export`` (#15): what GDAL, geopandas and RFC 7946 readers get back, checked
against the store and an independent equal-area measure."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3

import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from frontwatch.areas import area_on
from frontwatch.cli import main
from frontwatch.export import export
from tests.conftest import equal_area_km2

START, END = dt.date(2022, 9, 1), dt.date(2022, 9, 12)


def test_geopackage_has_date_fields_a_spatial_index_and_the_store_s_areas(sample_store, tmp_path):
    out = tmp_path / "lv.gpkg"
    export(sample_store, "liveuamap-nzz", "gpkg", out, START, END)
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert layers == {"liveuamap_nzz_occupied", "liveuamap_nzz_gains", "liveuamap_nzz_losses"}
    info = pyogrio.read_info(out, layer="liveuamap_nzz_occupied")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["valid_from"] == "OFTDate" and types["valid_to"] == "OFTDate" and types["valid_time"] == "OFTDateTime"
    meta, _, geoms, fields = pyogrio.raw.read(out, layer="liveuamap_nzz_occupied")
    names = list(meta["fields"])
    valid_from = fields[names.index("valid_from")]
    valid_to = fields[names.index("valid_to")]
    km2 = fields[names.index("area_km2")]
    records = [r for r in sample_store.snapshots("liveuamap-nzz") if START <= r.date <= END]
    assert len(valid_from) == len(records)
    # each snapshot is valid until the next one
    assert list(valid_to[:-1]) == list(valid_from[1:])
    for day, value, wkb in zip(valid_from, km2, geoms, strict=True):
        d = str(np.datetime64(day, "D"))
        assert value == pytest.approx(area_on(sample_store, "liveuamap-nzz", d)["occupied_km2"], abs=0.05)
        assert equal_area_km2(shapely.from_wkb(wkb)) == pytest.approx(value, rel=2e-4)  # a second measure
    con = sqlite3.connect(out)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'rtree_liveuamap_nzz_occupied_geom'").fetchone()[0]
    minx, miny, maxx, maxy = con.execute(
        "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'liveuamap_nzz_occupied'"
    ).fetchone()
    bounds = shapely.total_bounds(shapely.from_wkb(geoms))
    assert (minx, miny, maxx, maxy) == pytest.approx(tuple(bounds), abs=1e-9)


def test_geoparquet_reads_in_geopandas_with_the_same_content(sample_store, tmp_path):
    gpd = pytest.importorskip("geopandas")
    out = tmp_path / "lv.parquet"
    export(sample_store, "liveuamap-nzz", "parquet", out, START, END)
    df = gpd.read_parquet(out)
    assert df.crs.to_epsg() == 4326 or df.crs.to_string() == "OGC:CRS84"
    occ = df[df.layer == "occupied"].sort_values("valid_from")
    for _, row in occ.iterrows():
        assert equal_area_km2(row.geometry) == pytest.approx(row.area_km2, rel=2e-4)
    assert str(occ.valid_from.dtype).startswith("datetime64") or isinstance(occ.valid_from.iloc[0], dt.date)
    flat = tmp_path / "lv.fgb"
    export(sample_store, "liveuamap-nzz", "fgb", flat, START, END)
    fgb = gpd.read_file(flat)
    assert sorted(fgb.area_km2.round(3)) == sorted(occ.area_km2.round(3))


def test_geojson_is_rfc7946(sample_store, tmp_path):
    out = tmp_path / "lv.geojson"
    export(sample_store, "liveuamap-nzz", "geojson", out, START, END)
    text = out.read_text()
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    decimals = max(len(m) for m in re.findall(r"-?\d+\.(\d+)", json.dumps([f["geometry"] for f in doc["features"]])))
    assert decimals <= 6
    for f in doc["features"]:
        assert {"valid_from", "valid_to", "attribution", "coverage", "area_km2"} <= set(f["properties"])
        geom = shapely.geometry.shape(f["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw
            assert all(not ring.is_ccw for ring in poly.interiors)


def test_csv_is_tidy_and_the_cli_refuses_unknowns(sample_store, tmp_path):
    out = tmp_path / "areas.csv"
    export(sample_store, "deepstate", "csv", out)
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    occupied = [r for r in rows if r["layer"] == "occupied"]
    assert len(occupied) == len(sample_store.snapshots("deepstate"))
    last = occupied[-1]
    want = area_on(sample_store, "deepstate", last["valid_from"])["occupied_km2"]
    assert float(last["area_km2"]) == pytest.approx(want, abs=0.05)
    run = CliRunner().invoke(main, ["--db", str(sample_store.path), "export", "--source", "nowhere", "--format", "csv",
                                    "--output", str(tmp_path / "x.csv")])  # fmt: skip
    assert run.exit_code == 1 and "no snapshots of 'nowhere'" in run.output


def test_snapshots_as_a_geodataframe(sample_store):
    pytest.importorskip("geopandas")
    import frontwatch as fw

    df = fw.snapshots(sample_store, "deepstate", "2024-11-01", "2024-11-30")
    occ = df[df.layer == "occupied"]
    assert len(occ) == len([r for r in sample_store.snapshots("deepstate") if "2024-11-01" <= r.valid_date <= "2024-11-30"])
    assert df.crs.to_epsg() == 4326
    row = occ.iloc[-1]
    assert equal_area_km2(row.geometry) == pytest.approx(row.area_km2, rel=2e-4)


def test_results_become_geodataframes_with_their_provenance(sample_store, tmp_path):
    """A change with geometry gives one row per piece whose area is the result's own figure;
    a distance gives the place's point with the nearest point beside it; a list of changed
    places one row per place at its GeoNames coordinates; a frame writes to GeoPackage."""
    import frontwatch as fw

    change = fw.change_between(sample_store, "liveuamap-nzz", "2022-09-08", "2022-09-11", geometry=True)
    frame = fw.to_geodataframe(change)
    assert frame.crs.to_epsg() == 4326
    by_piece = dict(zip(frame["piece"], frame["area_km2"], strict=True))
    assert by_piece["ua_gain"] == pytest.approx(change["ua_gain_km2"], abs=0.05)  # the result rounds to 0.1
    assert by_piece["ru_gain"] == pytest.approx(change["ru_gain_km2"], abs=0.05)
    assert frame.attrs["source"] == "liveuamap-nzz" and frame.attrs["to_snapshot"] == change["to_snapshot"]

    kupiansk = fw.resolve_one("Kupiansk")
    dist = fw.distance_to_other_side(sample_store, "liveuamap-nzz", kupiansk, "2022-09-09")
    row = fw.to_geodataframe(dist).iloc[0]
    assert (row.geometry.x, row.geometry.y) == (kupiansk.lon, kupiansk.lat)
    assert [row["nearest_lon"], row["nearest_lat"]] == pytest.approx(dist["nearest_point"])
    assert row["distance_km"] == dist["distance_km"] and row["place_name"] == "Kupiansk"

    changed = fw.changed_places(sample_store, "liveuamap-nzz", "2022-09-08", "2022-09-11")
    places = fw.to_geodataframe(changed)
    assert len(places) == len(changed["places"]) > 0
    izium = places[places["place_name"] == "Izium"].iloc[0]
    where = fw.resolve_one("Izium")  # the gazetteer's own point
    assert (izium.geometry.x, izium.geometry.y) == (where.lon, where.lat)
    assert izium["to_side"] == "UA"

    places.to_file(tmp_path / "changed.gpkg")  # every column writes (nested ones as text)
    assert pyogrio.read_info(tmp_path / "changed.gpkg")["features"] == len(places)
    with pytest.raises(fw.FrontwatchError, match="no place or geometry"):
        fw.to_geodataframe({"source": "x", "occupied_km2": 1.0})
