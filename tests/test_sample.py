"""The bundled sample: real liveuamap-nzz (Aug-Sep 2022) and deepstate (Nov 2024) maps.

Expected values are computed here by a second method (raw GeoJSON, union, clip, and an
equal-area projection on the WGS84 ellipsoid), not typed in.
"""

from __future__ import annotations

import gzip

import orjson
import pytest
import shapely
from shapely.geometry import shape

from frontwatch.areas import area_on, series
from frontwatch.boundaries import clip_outline
from frontwatch.changes import change_between
from tests.conftest import SAMPLES, equal_area_km2


def raw_held(day: str):
    """Held area of a sample NZZ file, read independently: union(nochange, gains) ∩ outline."""
    doc = orjson.loads(gzip.open(SAMPLES / "liveuamap-nzz" / f"{day}.json.gz").read())
    parts = [shape(f["geometry"]) for f in doc["value"]["features"]
             if f["properties"]["type"] in ("nochange", "gains")]  # fmt: skip
    return shapely.intersection(shapely.union_all(parts), clip_outline())


def test_area_2022_09_08_matches_second_method(sample_store):
    row = area_on(sample_store, "liveuamap-nzz", "2022-09-08")
    assert row["snapshot_date"] == "2022-09-08" and row["lag_days"] == 0
    assert row["occupied_km2"] == pytest.approx(equal_area_km2(raw_held("2022-09-08")), rel=1e-3)
    assert row["coverage"] == "leaves out Crimea"


def test_article_week_change_is_several_thousand_km2_mostly_in_kharkiv(sample_store):
    ch = change_between(sample_store, "liveuamap-nzz", "2022-09-04", "2022-09-11", by_oblast=True)
    a, b = raw_held("2022-09-04"), raw_held("2022-09-11")
    assert ch["ua_gain_km2"] == pytest.approx(equal_area_km2(shapely.difference(a, b)), rel=1e-3)
    assert ch["ru_gain_km2"] == pytest.approx(equal_area_km2(shapely.difference(b, a)), abs=1.0)
    assert ch["ua_gain_km2"] > 2_000
    top = ch["by_oblast"][0]
    assert top["oblast"] == "Kharkiv"
    assert top["ua_gain_km2"] > 0.8 * ch["ua_gain_km2"]
    assert sum(r["ua_gain_km2"] for r in ch["by_oblast"]) == pytest.approx(ch["ua_gain_km2"], rel=0.01)


def test_byte_identical_daily_files_make_one_snapshot(sample_store):
    recs = sample_store.snapshots("liveuamap-nzz")
    files = sorted((SAMPLES / "liveuamap-nzz").glob("*.json.gz"))
    distinct = {f.read_bytes() for f in files}
    assert len(recs) == len(distinct)


def test_deepstate_november_2024_russian_gain(sample_store):
    rows = series(sample_store, "deepstate", every="month", start="2024-10-31", end="2024-11-30")
    nov = rows[-1]
    assert (nov.period_end, nov.snapshot_date) == ("2024-11-30", "2024-11-30")

    # second method: the two raw daily files (download date = map date + 1)
    def raw(day):
        doc = orjson.loads(gzip.open(SAMPLES / "deepstate" / f"deepstatemap_data_{day}.geojson.gz").read())
        g = shapely.union_all([shape(f["geometry"]) for f in doc["features"]])
        return shapely.intersection(g, clip_outline())

    a, b = raw("20241101"), raw("20241201")
    assert nov.ru_gain_km2 == pytest.approx(equal_area_km2(shapely.difference(b, a)), rel=2e-3)
    assert 200 < nov.ru_gain_km2 < 2_000
