"""``--source all`` on the per-source queries (#12): one JSON list (or one table) holding,
source by source, exactly what each source gives alone."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from frontwatch.cli import main
from tests.conftest import SAMPLES

SOURCES = ["deepstate", "liveuamap-nzz"]


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory):
    db = tmp_path_factory.mktemp("all") / "all.gpkg"
    for source in SOURCES:
        r = CliRunner().invoke(main, ["--db", str(db), "ingest", source, str(SAMPLES / source), "--workers", "1"])
        assert r.exit_code == 0, r.output
    return db


def run(db, *args):
    # a lag of years allowed: the two samples do not overlap (2022 and 2024)
    return CliRunner().invoke(main, ["--db", str(db), "--max-lag", "2000", *args])


QUERIES = [
    ["area", "--on", "2024-11-15"],
    ["front", "--on", "2024-11-15"],
    ["advance", "--from", "2024-11-01", "--to", "2024-11-15"],
    ["since", "--from", "2024-11-01", "--to", "2024-11-08"],
    ["place", "Kupiansk", "--on", "2024-11-15"],
    ["distance", "Pokrovsk", "--on", "2024-11-15"],
    ["distance", "Pokrovsk", "--from", "2024-11-20", "--to", "2024-11-24"],
    ["top", "--window", "3d", "--limit", "2"],
    ["series", "--every", "week", "--no-flows"],
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: " ".join(q[:2]))
def test_all_is_each_source_alone_keyed_by_source(two_sources, query):
    r = run(two_sources, *query, "--source", "all", "--format", "json")
    assert r.exit_code == 0, r.output
    got = orjson.loads(r.output)
    expected = []
    for source in SOURCES:
        alone = run(two_sources, *query, "--source", source, "--format", "json")
        assert alone.exit_code == 0, alone.output
        value = orjson.loads(alone.output)
        expected += [{"source": source, **row} for row in (value if isinstance(value, list) else [value])]
    if query[0] == "front":  # (the JSON of one source has no geometry either)
        expected = [{k: v for k, v in row.items() if k != "geometry"} for row in expected]
    assert got == expected
    assert {row["source"] for row in got} == set(SOURCES)


def test_a_source_without_a_map_is_a_row_with_its_error(two_sources):
    # 2022-09-09: liveuamap-nzz has a map, DeepState's sample starts in 2024
    r = CliRunner().invoke(main, ["--db", str(two_sources), "area", "--on", "2022-09-09", "--source", "all",
                                  "--format", "json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = {row["source"]: row for row in orjson.loads(r.output)}
    alone = CliRunner().invoke(main, ["--db", str(two_sources), "area", "--on", "2022-09-09", "--source",
                                      "deepstate"])  # fmt: skip
    assert alone.exit_code == 1
    assert set(rows["deepstate"]) == {"source", "error"} and rows["deepstate"]["error"] in alone.output
    assert rows["liveuamap-nzz"]["snapshot_date"] == "2022-09-08"
    table = CliRunner().invoke(main, ["--db", str(two_sources), "area", "--on", "2022-09-09", "-s", "all"])
    assert table.exit_code == 0 and "liveuamap-nzz" in table.output and "note: deepstate:" in table.output


def test_front_geojson_of_all_sources_is_one_feature_per_source(two_sources):
    r = run(two_sources, "front", "--on", "2024-11-15", "--source", "all", "--format", "geojson")
    assert r.exit_code == 0, r.output
    fc = orjson.loads(r.output)
    assert [f["properties"]["source"] for f in fc["features"]] == SOURCES
    for f in fc["features"]:
        alone = orjson.loads(run(two_sources, "front", "--on", "2024-11-15", "-s", f["properties"]["source"],
                                 "--format", "geojson").output)  # fmt: skip
        assert f["geometry"] == alone["geometry"] and f["properties"] == alone["properties"]
