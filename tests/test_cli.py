"""The command line: output formats, exact error texts, help with examples."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import click
import orjson
import pytest
from click.testing import CliRunner

from frontwatch.cli import main
from frontwatch.gazetteer import AmbiguousPlace, resolve_one
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "cli.gpkg"
    r = CliRunner().invoke(main, ["--db", str(db), "ingest", "liveuamap-nzz",
                                  str(SAMPLES / "liveuamap-nzz"), "--workers", "1"])  # fmt: skip
    assert r.exit_code == 0, r.output
    return db


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def test_area_json_fields(cli_db):
    r = run(cli_db, "area", "--source", "liveuamap-nzz", "--on", "2022-09-09", "--format", "json")
    assert r.exit_code == 0, r.output
    d = orjson.loads(r.output)
    assert {"source", "asked_date", "snapshot_date", "lag_days", "occupied_km2",
            "share_of_ukraine_pct", "coverage"} <= set(d)  # fmt: skip
    assert (d["snapshot_date"], d["lag_days"]) == ("2022-09-08", 1)


def test_change_json_and_csv_agree(cli_db):
    args = ["change", "-s", "liveuamap-nzz", "--from", "2022-09-08", "--to", "2022-09-11"]
    j = orjson.loads(run(cli_db, *args, "--format", "json").output)
    assert {"source", "from_date", "to_date", "from_snapshot", "to_snapshot", "ua_gain_km2",
            "ru_gain_km2", "net_km2"} <= set(j)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(run(cli_db, *args, "--format", "csv").output)))
    assert float(rows[0]["ua_gain_km2"]) == j["ua_gain_km2"]


def test_change_geojson_has_gain_polygons(cli_db):
    r = run(cli_db, "change", "-s", "liveuamap-nzz", "--from", "2022-09-08", "--to", "2022-09-11",
            "--format", "geojson")  # fmt: skip
    fc = orjson.loads(r.output)
    kinds = {f["properties"]["kind"]: f["properties"]["area_km2"] for f in fc["features"]}
    assert kinds["ua_gain"] == fc["properties"]["ua_gain_km2"]
    # RFC 7946 (#15): exteriors counter-clockwise, holes clockwise, at most 6 decimals; the
    # geometry snapped to the grid keeps its area within 0.01 %
    from shapely.geometry import shape

    from tests.conftest import equal_area_km2

    for f in fc["features"]:
        geom = shape(f["geometry"])
        assert all(p.exterior.is_ccw and not any(r.is_ccw for r in p.interiors) for p in geom.geoms)
        assert equal_area_km2(geom) == pytest.approx(f["properties"]["area_km2"], rel=1e-4, abs=0.05)
    digits = re.findall(r"\.(\d+)", orjson.dumps([f["geometry"] for f in fc["features"]]).decode())
    assert max(map(len, digits)) <= 6


def test_reingest_says_nothing_added(cli_db):
    r = run(cli_db, "ingest", "liveuamap-nzz", str(SAMPLES / "liveuamap-nzz"), "--format", "json")
    d = orjson.loads(r.output)
    assert d["snapshots_added"] == 0 and d["files_already_ingested"] == d["files"]


def test_exact_error_texts(cli_db):
    r = run(cli_db, "area", "--source", "liveuamap-nzz", "--on", "2022-13-01")
    assert r.exit_code == 1
    assert r.output == "Error: invalid date '2022-13-01': expected YYYY-MM-DD\n"
    r = run(cli_db, "area", "--source", "nosuch", "--on", "2022-09-01")
    assert r.output == "Error: unknown source 'nosuch'; known sources: liveuamap-nzz\n"
    r = run(cli_db, "area", "--source", "liveuamap-nzz", "--on", "2020-01-01")
    assert r.output == (
        "Error: no liveuamap-nzz snapshot is valid on or before 2020-01-01; its first snapshot is of 2022-08-13\n"
    )


def test_every_command_help_has_an_example():
    for name in main.commands:
        r = CliRunner().invoke(main, [name, "--help"])
        assert r.exit_code == 0
        assert "Example:" in r.output, name


def test_place_json_fields_and_ambiguity(cli_db):
    r = run(cli_db, "place", "Kupyansk", "--source", "liveuamap-nzz", "--on", "2022-09-09", "--format", "json")
    d = orjson.loads(r.output)
    assert set(d["place"]) >= {"geonameid", "name", "name_uk", "oblast", "raion", "lat", "lon", "population"}
    assert {"status", "distance_to_front_km", "snapshot_date", "lag_days"} <= set(d)
    assert d["place"]["geonameid"] == 703656 and d["lag_days"] == 1
    r = run(cli_db, "place", "Shevchenkove", "--source", "liveuamap-nzz", "--on", "2022-09-09")
    with pytest.raises(AmbiguousPlace) as info:  # the library's own listing, which the CLI must show
        resolve_one("Shevchenkove")
    listing = str(info.value).split(" To choose")[0]
    assert len(info.value.candidates) > 10
    assert r.exit_code == 1 and r.output == f"Error: {listing} Add --oblast to choose.\n"


def test_places_changed_json(cli_db):
    r = run(cli_db, "places", "-s", "liveuamap-nzz", "--from", "2022-09-06", "--to", "2022-09-11",
            "--changed", "--oblast", "Kharkiv", "--format", "json")  # fmt: skip
    d = orjson.loads(r.output)
    assert d["places"] and {"from_side", "to_side", "changed_on", "geonameid"} <= set(d["places"][0])
    assert sum(c["count"] for c in d["counts_by_oblast"]) == len(d["places"])


def test_distance_advance_since_front_json(cli_db):
    d = orjson.loads(run(cli_db, "distance", "Kupiansk", "-s", "liveuamap-nzz", "--on", "2022-09-08",
                         "--format", "json").output)  # fmt: skip
    assert {"distance_km", "to_side", "nearest_point", "snapshot_date", "lag_days"} <= set(d)
    a = orjson.loads(run(cli_db, "advance", "-s", "liveuamap-nzz", "--from", "2022-09-08", "--to",
                         "2022-09-11", "--format", "json").output)  # fmt: skip
    assert {"max_depth_km", "p90_depth_km", "km_per_day", "gained_km2", "from_snapshot", "to_snapshot"} <= set(a)
    f = orjson.loads(run(cli_db, "front", "-s", "liveuamap-nzz", "--on", "2022-09-08", "--format",
                         "geojson").output)  # fmt: skip
    assert f["geometry"]["type"] == "MultiLineString" and f["properties"]["length_km"] > 500


def test_plots_are_png_maps_and_charts(cli_db, tmp_path):
    png = tmp_path / "week.png"
    r = run(cli_db, "change", "-s", "liveuamap-nzz", "--from", "2022-09-04", "--to", "2022-09-11",
            "--plot", str(png), "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    chart = tmp_path / "series.png"
    r = run(cli_db, "series", "-s", "liveuamap-nzz", "--no-flows", "--plot", str(chart), "--format", "csv")
    assert r.exit_code == 0 and chart.read_bytes()[:4] == b"\x89PNG"


def test_a_namesake_pick_is_said_and_a_refusal_lists_the_towns(cli_db):
    # #18: the town of Marinka is taken, with a note naming the hamlets; Pervomaisk is refused
    r = run(cli_db, "place", "Marinka", "--source", "liveuamap-nzz", "--on", "2022-09-09", "--format", "json")
    assert r.exit_code == 0, r.output
    said = r.output + (r.stderr if hasattr(r, "stderr") else "")
    assert "took Marinka (Donetsk" in " ".join(said.split()) and "Add --oblast" in said
    r = run(cli_db, "place", "Pervomaisk", "--source", "liveuamap-nzz", "--on", "2022-09-09")
    assert r.exit_code == 1 and "Pervomaisk (Mykolaiv" in r.output and "Add --oblast" in r.output
    r = run(cli_db, "place", "Atlantis", "--source", "liveuamap-nzz", "--on", "2022-09-09")
    assert r.exit_code == 1 and "did you mean" not in r.output


def test_check_csv_is_one_value_a_cell(cli_db):
    # #18: one row per claim and source, numbers as numbers, the claim's text whole
    article = SAMPLES / "articles" / "2022-09-ukraine-retook-1000-km2.txt"
    r = run(cli_db, "check", str(article), "--published", "2022-09-10", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    text = article.read_text()
    assert rows and all(row["text"] in " ".join(text.split()) or row["text"] in text for row in rows)
    assert not any(row["text"].endswith("…") for row in rows)
    head = [row for row in rows if row["text"].startswith("Ukraine retook 1000 km2")][0]
    assert (float(head["quantity"]), head["unit"], head["source"]) == (1000.0, "km2", "liveuamap-nzz")
    measured = [row for row in rows if row["measured"]]
    assert measured and all(float(row["measured"]) >= 0 for row in measured)
    assert all(float(row["envelope_low"]) <= float(row["envelope_high"]) for row in rows if row["envelope_low"])


def test_narrow_terminals_never_wrap_numbers():
    # #18: in 80 columns a wide table turns into "column: value" lines; numbers stay whole
    from rich.console import Console

    from frontwatch._format import print_table

    rows = [{"source": "liveuamap-nzz", "from_date": "2022-09-04", "to_date": "2022-09-11",
             "from_snapshot": "2022-09-04", "to_snapshot": "2022-09-11", "from_lag_days": 0, "to_lag_days": 0,
             "ua_gain_km2": 8362.7, "ru_gain_km2": 11.5, "net_km2": -8351.2}]  # fmt: skip
    shown = {}
    for width in (80, 200):
        out = io.StringIO()
        print_table(rows, list(rows[0]), console=Console(file=out, width=width, force_terminal=False))
        shown[width] = text = out.getvalue()
        assert "8,362.7" in text and "-8,351.2" in text, text
        assert all(len(line) <= width for line in text.splitlines())
    assert "ua_gain_km2: 8,362.7" in " ".join(shown[80].split())  # vertical
    assert "┃ ua_gain_km2 ┃" in shown[200]  # a table where it fits


def test_csv_puts_a_point_in_two_columns(cli_db):
    r = run(cli_db, "distance", "Kupiansk", "--source", "liveuamap-nzz", "--on", "2022-09-09", "--format", "csv")
    assert r.exit_code == 0, r.output
    [row] = list(csv.DictReader(io.StringIO(r.output)))
    assert 36 < float(row["nearest_point_lon"]) < 39 and 48 < float(row["nearest_point_lat"]) < 51
    assert float(row["distance_km"]) > 0


def test_since_names_the_window_by_its_maps(cli_db):
    # #18: a "3-day" window whose maps are 4 days apart is named by its maps and their span
    r = run(cli_db, "since", "--source", "liveuamap-nzz", "--from", "2022-09-10", "--to", "2022-09-13",
            "--side", "RU", "--format", "json")  # fmt: skip
    d = orjson.loads(r.output)
    found = d["since"]
    a, b = (dt.date.fromisoformat(found[k]) for k in ("from_snapshot", "to_snapshot"))
    span = (b - a).days
    assert f"{a} → {b}" in d["statement"]
    assert (f"({span} days apart" in d["statement"]) == (span != 3)


def test_place_refuses_on_with_history(cli_db):
    r = run(cli_db, "place", "Izium", "--source", "liveuamap-nzz", "--on", "2022-09-09", "--history")
    assert r.exit_code == 2 and "give one of them" in r.output


def test_long_lists_say_how_many_more(capsys):
    # #18: 20 lines, then "and N more"
    from frontwatch.cli import _listed

    _listed("x: ", [f"line {i}" for i in range(25)], "warning")
    text = capsys.readouterr().err
    assert "line 19" in text and "line 20" not in text and "and 5 more" in text


def test_places_csv_keeps_ids_and_points(cli_db):
    """#18: ``places`` CSV dropped ``geonameid``, ``lat`` and ``lon``; it has every field of the
    JSON answer, one value a cell, equal to the JSON's."""
    args = ["places", "--source", "liveuamap-nzz", "--from", "2022-09-06", "--to", "2022-09-11", "--changed",
            "--oblast", "Kharkiv"]  # fmt: skip
    js = orjson.loads(run(cli_db, *args, "--format", "json").stdout)["places"]
    rows = list(csv.DictReader(io.StringIO(run(cli_db, *args, "--format", "csv").stdout)))
    assert len(rows) == len(js) > 10
    for row, place in zip(rows, js, strict=True):
        assert int(row["geonameid"]) == place["geonameid"] and row["name"] == place["name"]
        assert float(row["lat"]) == place["lat"] and float(row["lon"]) == place["lon"]
        assert row["changed_on"] == place["changed_on"] and row["to_side"] == place["to_side"]


def test_a_first_ingest_says_which_files_repeat_one_of_the_run(tmp_path):
    """#18: a fresh store reported ``files_already_ingested 23`` on its first ingest (files
    byte-identical within the run). The JSON field stays; ``files_repeated_in_run`` counts
    those of the run, and the table tells the two apart."""
    import hashlib

    files = sorted((SAMPLES / "liveuamap-nzz").iterdir())
    seen: set[str] = set()
    repeats = 0
    for f in files:  # (counted here from the bytes, independently of the ingest)
        sha = hashlib.sha256(f.read_bytes()).hexdigest()
        repeats += sha in seen
        seen.add(sha)
    assert repeats > 0
    db = tmp_path / "s.gpkg"
    d = orjson.loads(run(db, "ingest", "liveuamap-nzz", str(SAMPLES / "liveuamap-nzz"), "--workers", "1",
                         "--format", "json").stdout)  # fmt: skip
    assert (d["files"], d["files_already_ingested"], d["files_repeated_in_run"]) == (len(files), repeats, repeats)
    assert d["snapshots_added"] == len(seen)
    r = CliRunner().invoke(main, ["--db", str(db), "ingest", "liveuamap-nzz", str(SAMPLES / "liveuamap-nzz")],
                           env={"COLUMNS": "120"})  # fmt: skip
    assert re.search(rf"files_already_ingested: in the store before this run +│ +{len(files)} │", r.stdout)
    assert re.search(r"files_already_ingested: repeating a file of this run +│ +0 │", r.stdout)


def test_opening_a_missing_store_creates_nothing_and_says_where_it_looked(tmp_path, monkeypatch):
    """#18: ``fw.open_store("frontwatch.gpkg")`` silently created an empty store, then failed
    with "unknown source". A query never creates a store; the error names the path and how
    it was chosen (--db, $FRONTWATCH_DB, the default); ingest still creates one."""
    import frontwatch as fw
    from frontwatch.errors import StoreNotFound

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRONTWATCH_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    tail = ("; a query does not create one: ingest a source first (frontwatch ingest SOURCE PATH; in Python, "
            "fw.open_store(path, create=True) then fw.ingest), or give the store's path (--db, $FRONTWATCH_DB, "
            "fw.open_store(path))")  # fmt: skip
    with pytest.raises(StoreNotFound) as exc:
        fw.open_store("frontwatch.gpkg")
    assert str(exc.value) == f"no Frontwatch store at {tmp_path / 'frontwatch.gpkg'} (the path given){tail}"
    default = tmp_path / "data" / "frontwatch" / "frontwatch.gpkg"
    with pytest.raises(StoreNotFound, match=re.escape(f"at {default} (the default store, in the user data dir")):
        fw.open_store()
    r = CliRunner().invoke(main, ["--db", "nope.gpkg", "sources"])
    assert r.exit_code == 1 and r.stderr == f"Error: no Frontwatch store at {tmp_path / 'nope.gpkg'} (from --db){tail}\n"
    r = CliRunner().invoke(main, ["area", "-s", "x", "--on", "2022-09-01"], env={"FRONTWATCH_DB": "env.gpkg"})
    assert r.stderr == f"Error: no Frontwatch store at {tmp_path / 'env.gpkg'} (from $FRONTWATCH_DB){tail}\n"
    r = CliRunner().invoke(main, ["sources"])
    assert r.stderr == f"Error: no Frontwatch store at {default} (the default store, in the user data directory){tail}\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == []  # nothing created, not even the folder
    with fw.open_store("made.gpkg", create=True) as store:
        fw.ingest(store, "liveuamap-nzz", [SAMPLES / "liveuamap-nzz" / "2022-09-08.json.gz"], workers=1)
    with fw.open_store("made.gpkg") as store:
        assert [r.valid_date for r in store.snapshots("liveuamap-nzz")] == ["2022-09-08"]


def test_db_after_the_command_name(cli_db, tmp_path):
    # #12: `frontwatch CMD --db X` as well as `frontwatch --db X CMD`, on every command; the
    # later one wins when both are given
    args = ["area", "--source", "liveuamap-nzz", "--on", "2022-09-09", "--format", "json"]
    before = CliRunner().invoke(main, ["--db", str(cli_db), *args])
    after = CliRunner().invoke(main, [*args, "--db", str(cli_db)])
    assert before.exit_code == after.exit_code == 0, after.output
    assert orjson.loads(after.output) == orjson.loads(before.output)
    missing = tmp_path / "missing.gpkg"
    both = CliRunner().invoke(main, ["--db", str(missing), *args, "--db", str(cli_db)])
    assert both.exit_code == 0 and orjson.loads(both.output) == orjson.loads(before.output)
    r = CliRunner().invoke(main, ["--db", str(cli_db), *args, "--db", str(missing)])
    assert r.exit_code == 1 and f"no Frontwatch store at {missing} (from --db)" in r.output
    for name, cmd in main.commands.items():
        assert any("--db" in p.opts for p in cmd.params if isinstance(p, click.Option)), name


def test_commands_other_than_serve_do_not_import_the_web_framework():
    """(#14) Every command starts a new process: FastAPI's import (about 0.2 s, a fifth of a
    daily map's ingest) is paid only by ``serve``."""
    import subprocess
    import sys

    code = "import sys, frontwatch.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
