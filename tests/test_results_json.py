"""The CLI's JSON is a public contract (#12): the typed results' ``as_dict()`` gives, byte for
byte, the JSON the plain dicts gave before them. The pinned files in ``tests/data/json_pins``
were written by the CLI of main before the results were typed (``python -m
tests.test_results_json OUT_DIR`` writes them again); only the ingest time and the folder
the sample was read from are replaced before comparing (they change with every store)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from frontwatch.cli import main
from tests.conftest import ROOT, SAMPLES

PINS = ROOT / "tests" / "data" / "json_pins"

QUERIES: dict[str, list[str]] = {
    "area": ["area", "-s", "liveuamap-nzz", "--on", "2022-09-08"],
    "area-all": ["area", "-s", "all", "--on", "2024-11-15"],
    "area-land": ["area", "-s", "deepstate", "--on", "2024-11-15", "--land-only"],
    "change": ["change", "-s", "liveuamap-nzz", "--from", "2022-09-04", "--to", "2022-09-11"],
    "change-oblast": ["change", "-s", "liveuamap-nzz", "--from", "2022-09-04", "--to", "2022-09-11", "--by", "oblast"],
    "change-all": ["change", "-s", "all", "--from", "2022-09-01", "--to", "2022-09-08"],
    "change-same-map": ["change", "-s", "deepstate", "--from", "2024-11-10", "--to", "2024-11-10"],
    "change-geojson": ["change", "-s", "liveuamap-nzz", "--from", "2022-09-08", "--to", "2022-09-11",
                       "--format", "geojson"],
    "series": ["series", "-s", "liveuamap-nzz", "--from", "2022-08-21", "--to", "2022-09-20"],
    "series-week": ["series", "-s", "deepstate", "--every", "week"],
    "series-all": ["series", "-s", "all", "--every", "month", "--no-flows"],
    "top": ["top", "-s", "liveuamap-nzz", "--window", "7d", "--limit", "3"],
    "top-depth": ["top", "-s", "deepstate", "--window", "7d", "--side", "RU", "--by", "depth", "--limit", "3"],
    "top-all": ["top", "-s", "all", "--window", "3d", "--limit", "2", "--overlapping"],
    "since": ["since", "-s", "liveuamap-nzz", "--from", "2022-09-08", "--to", "2022-09-11"],
    "since-all": ["since", "-s", "all", "--from", "2024-11-20", "--to", "2024-11-27", "--side", "RU"],
    "place": ["place", "Izium", "-s", "liveuamap-nzz", "--on", "2022-09-12"],
    "place-history": ["place", "Izium", "-s", "liveuamap-nzz", "--history"],
    "place-all": ["place", "Kupiansk", "-s", "all", "--on", "2022-09-10"],
    "places-changed": ["places", "-s", "liveuamap-nzz", "--from", "2022-09-04", "--to", "2022-09-08", "--changed",
                       "--oblast", "Kharkiv"],
    "places-changed-ds": ["places", "-s", "deepstate", "--from", "2024-11-01", "--to", "2024-11-30", "--changed"],
    "places": ["places", "-s", "deepstate", "--from", "2024-11-01", "--to", "2024-11-30", "--oblast", "Sevastopol"],
    "distance": ["distance", "Kupiansk", "-s", "liveuamap-nzz", "--on", "2022-09-08"],
    "distance-series": ["distance", "Kupiansk", "-s", "liveuamap-nzz", "--from", "2022-09-01", "--to", "2022-09-12"],
    "advance": ["advance", "-s", "liveuamap-nzz", "--from", "2022-09-08", "--to", "2022-09-11"],
    "advance-all": ["advance", "-s", "all", "--from", "2024-11-01", "--to", "2024-11-30", "--side", "RU"],
    "front": ["front", "-s", "deepstate", "--on", "2024-11-15"],
    "sources": ["sources"],
}  # fmt: skip

_VOLATILE = [
    (re.compile(r'"ingested_at": "[^"]*"'), '"ingested_at": "<ingest time>"'),
    (re.compile(r'"(file|path)": "[^"]*?(samples/[^"]*)"'), r'"\1": "\2"'),
]


def normalised(text: str) -> str:
    """``text`` with the ingest times and the sample folder's location made constant."""
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text


def build_store(db: Path) -> None:
    for source in ("liveuamap-nzz", "deepstate"):
        r = CliRunner().invoke(main, ["--db", str(db), "ingest", source, str(SAMPLES / source), "--workers", "1"])
        assert r.exit_code == 0, r.output


def answer(db: Path, args: list[str]) -> str:
    fmt = [] if "--format" in args else ["--format", "json"]
    r = CliRunner().invoke(main, ["--db", str(db), *args, *fmt])
    assert r.exit_code == 0, (args, r.output, r.stderr)
    return normalised(r.stdout)


@pytest.fixture(scope="module")
def pin_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("pins") / "pins.gpkg"
    build_store(db)
    return db


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_cli_json_is_byte_identical_to_the_pinned_answer(pin_db, name):
    pinned = (PINS / f"{name}.json").read_text(encoding="utf-8")
    assert answer(pin_db, QUERIES[name]) == pinned


def test_the_pins_are_answers_not_errors():
    # every pinned answer is a real one: JSON with measured values in it
    import orjson

    for name in QUERIES:
        doc = orjson.loads((PINS / f"{name}.json").read_bytes())
        assert doc, name
        assert "source" in orjson.dumps(doc).decode(), name


if __name__ == "__main__":  # python -m tests.test_results_json OUT_DIR [DB]: write the answers
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    db = Path(sys.argv[2]) if len(sys.argv) > 2 else out / "pins.gpkg"
    if not db.exists():
        build_store(db)
    for name, args in QUERIES.items():
        (out / f"{name}.json").write_text(answer(db, args), encoding="utf-8")
        print(name)
