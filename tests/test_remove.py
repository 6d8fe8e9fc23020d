"""``frontwatch remove`` and the refusal of the same bytes under other options (#18, #13).

A removal is checked against a second method: the store that never had the removed maps
(the same files ingested without them) must hold the same snapshots, flags and files."""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import os
import sqlite3
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from shapely.geometry import box, mapping

from frontwatch import areas
from frontwatch.changes import change_km2
from frontwatch.cli import main
from frontwatch.errors import StoreBusy, StoreError
from frontwatch.ingest import ingest
from frontwatch.remove import remove_snapshots
from frontwatch.steps import ensure_steps
from frontwatch.store import SQLiteStore
from tests.conftest import SAMPLES, Stores, equal_area_km2
from tests.test_robustness import FAULT_DAY, NZZ, fault_day, faulty_maps, store_rows


def cli(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(db), *args], input=input)


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("fw_snapshots", "snapshot_layers", "fw_files", "fw_steps", "fw_changes")}  # fmt: skip
    finally:
        conn.close()


@pytest.fixture(scope="module")
def maps(tmp_path_factory) -> list[Path]:
    """14 daily maps with a transient relabel fault on day FAULT_DAY (see test_robustness)."""
    return faulty_maps(tmp_path_factory.mktemp("maps") / "maps")


def test_removing_a_date_gives_the_store_that_never_had_it(tmp_path, maps):
    """Removing the faulty day's map leaves what an ingest without it makes: the same
    snapshots, the flags recomputed (the transient fault and its exclusion gone), the file
    forgotten; the cached steps that used it go too."""
    db, reference = tmp_path / "s.gpkg", tmp_path / "ref.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps, workers=1)
        ensure_steps(s, s.snapshots(NZZ, usable_only=False), workers=1, keep=True)  # (kept in the store)
        first, *_, last = s.snapshots(NZZ)
        with s.transaction():  # areas of pairs as versions before #13's last slice kept them
            for b in (last, s.snapshots(NZZ, usable_only=False)[FAULT_DAY]):
                s.conn.execute("INSERT INTO fw_changes VALUES (?, ?, ?, ?)", (first.id, b.id, *change_km2(s, first, b)))
        before = table_counts(db)
        assert any(r.excluded for r in s.snapshots(NZZ, usable_only=False))
        done = remove_snapshots(s, NZZ, date=fault_day())
    with SQLiteStore(reference) as s:
        ingest(s, NZZ, [f for f in maps if f.name != f"{fault_day()}.json.gz"], workers=1)
    assert store_rows(db) == store_rows(reference)
    assert [r["valid_date"] for r in done.removed] == [fault_day()]
    assert done.files_forgotten == [str(maps[FAULT_DAY])] and done.files_kept == []
    after = table_counts(db)
    assert after["fw_snapshots"] == before["fw_snapshots"] - 1 and after["fw_files"] == before["fw_files"] - 1
    assert after["snapshot_layers"] == before["snapshot_layers"] - 2  # occupied and losses
    # every pair of neighbouring maps, and the pair around the excluded one (the usable
    # history's step, stored at ingest since #14)
    assert before["fw_steps"] == (len(maps) - 1) + 1 and before["fw_changes"] == 2
    assert after["fw_steps"] == before["fw_steps"] - 2  # the steps into and out of the map
    assert after["fw_changes"] == 1  # (the change that used it is gone, the other kept)
    with SQLiteStore(db) as s:  # the date is now answered by the map before it
        row = areas.area_on(s, NZZ, fault_day())
        held = box(36.0, 47.5, 38.0 + 0.01 * (FAULT_DAY - 1), 49.0)
        assert row["snapshot_date"] == fault_day(-1)
        assert row["occupied_km2"] == pytest.approx(equal_area_km2(held), rel=1e-4)
        again = ingest(s, NZZ, [maps[FAULT_DAY]], workers=1)  # forgotten: read anew
        assert (again.added, again.unchanged_files) == (1, 0)


def test_removing_a_whole_source_and_ingesting_it_again(tmp_path, maps):
    db, reference = tmp_path / "s.gpkg", tmp_path / "ref.gpkg"
    with SQLiteStore(reference) as s:
        ingest(s, NZZ, maps, workers=1)
    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps, workers=1)
        ingest(s, "liveuamap-nzz", [SAMPLES / NZZ / "2022-09-08.json.gz"], workers=1)
        s.conn.execute("INSERT INTO fw_ingests VALUES (?, ?, ?, ?)", (NZZ, "2026-01-01T00:00:00+00:00", 1, "h"))
        done = remove_snapshots(s, NZZ, whole_source=True)
        whole = len(maps) + 1  # every map and the sample's one, each from a file of its own
        assert len(done.removed) == whole and len(done.files_forgotten) == whole and done.unfinished_cleared
        assert s.source_names() == [] and s.unfinished_ingests() == {}
    assert table_counts(db) == dict.fromkeys(("fw_snapshots", "snapshot_layers", "fw_files", "fw_steps",
                                              "fw_changes"), 0)  # fmt: skip
    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps, workers=1)
    assert store_rows(db) == store_rows(reference)


def test_a_removal_that_fails_leaves_the_store_as_it_was(tmp_path, maps, monkeypatch):
    db = tmp_path / "s.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps, workers=1)
    rows, counts = store_rows(db), table_counts(db)

    def broken(store, source):
        raise RuntimeError("disk gone")

    monkeypatch.setattr("frontwatch.remove.quality.assess", broken)
    with SQLiteStore(db) as s, pytest.raises(RuntimeError, match="disk gone"):
        remove_snapshots(s, NZZ, date=fault_day())
    assert store_rows(db) == rows and table_counts(db) == counts


def test_a_removed_revision_frees_the_daily_file_it_superseded(tmp_path):
    """A DeepState revision supersedes the daily file of its day; removing the revision makes
    the daily file count again, as in a store that never had the revision."""
    daily = sorted((SAMPLES / "deepstate").iterdir())[0]  # deepstatemap_data_20241031, the map of 2024-10-30
    fc = orjson.loads(gzip.decompress(daily.read_bytes()))
    for f in fc["features"]:  # (a daily file's polygons are all occupied; a revision says so by colour)
        f["properties"] = {"fill": "#a52714"}
    archive = tmp_path / "revisions.jsonl"
    archive.write_bytes(orjson.dumps({"published_utc": "2024-10-30T20:00:00Z", "revision": 1, "map": fc}) + b"\n")
    db, reference = tmp_path / "s.gpkg", tmp_path / "ref.gpkg"
    with SQLiteStore(reference) as s:
        ingest(s, "deepstate", [daily], workers=1)
    with SQLiteStore(db) as s:
        ingest(s, "deepstate", [daily, archive], workers=1)
        (kept,) = s.snapshots("deepstate")
        assert kept.kind == "revision"
        done = remove_snapshots(s, "deepstate", snapshot_id=kept.id)
        assert done.restored == 1 and done.files_forgotten == [str(archive)]
        (back,) = s.snapshots("deepstate")
        assert back.kind == "daily" and not any(w.startswith("daily file ") for w in back.warnings)
    assert store_rows(db) == store_rows(reference)


def test_remove_on_the_command_line_asks_says_and_answers_json(tmp_path, maps):
    db = tmp_path / "s.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps, workers=1)
    rows = store_rows(db)
    day = fault_day()
    r = cli(db, "remove", "-s", NZZ, "--date", day, input="n\n")
    assert r.exit_code == 1 and store_rows(db) == rows
    assert r.stderr == (f"would remove 1 snapshot of {NZZ} ({day})\nwould forget 1 file: ingesting it again reads "
                        f"it anew\nRemove them? [y/N]: n\nError: nothing removed\n")  # fmt: skip
    r = cli(db, "remove", "-s", NZZ, "--date", day, "--dry-run")
    assert r.exit_code == 0 and store_rows(db) == rows and r.stdout.startswith("would remove 1 snapshot")
    r = cli(db, "remove", "-s", NZZ, "--date", "2023-11-20", "--yes")
    assert r.exit_code == 1
    assert r.stderr == f"Error: {db}: {NZZ} has no snapshot of 2023-11-20; the nearest are of 2023-12-01\n"
    r = cli(db, "remove", "-s", NZZ, "--yes")
    assert r.exit_code == 2 and "give one of --date, --id or --all" in r.stderr
    r = cli(db, "remove", "-s", "nope", "--all", "--yes")
    assert r.exit_code == 1 and r.stderr == f"Error: unknown source 'nope'; known sources: {NZZ}\n"
    r = cli(db, "remove", "-s", NZZ, "--date", day, input="y\n")
    assert r.exit_code == 0
    assert r.stdout == f"removed 1 snapshot of {NZZ} ({day})\nforgot 1 file: ingesting it again reads it anew\n"
    r = cli(db, "remove", "-s", NZZ, "--date", fault_day(1), "--yes", "--format", "json")
    d = orjson.loads(r.stdout)
    assert (d["source"], d["dry_run"], d["snapshots_removed"]) == (NZZ, False, 1)
    assert d["snapshots"][0]["valid_date"] == fault_day(1) and d["files_forgotten"] == [str(maps[FAULT_DAY + 1])]
    with SQLiteStore(db) as s:
        assert len(s.snapshots(NZZ, usable_only=False)) == len(maps) - 2


def test_remove_waits_for_no_ingest_and_refuses_a_read_only_store(tmp_path, maps):
    db = tmp_path / "s.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps[:3], workers=1)
    fd = os.open(f"{db}-ingest.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"pid 4242 on elsewhere, since now", 0)
        with SQLiteStore(db) as s, pytest.raises(StoreBusy) as exc:
            remove_snapshots(s, NZZ, whole_source=True)
        assert str(exc.value) == (f"{db}: an ingest into it is running (pid 4242 on elsewhere, since now); "
                                  "remove when it has finished")  # fmt: skip
    finally:
        os.close(fd)
    os.chmod(db, 0o444)  # (the store opens read-only when the process cannot write it, as non-root)
    try:
        with SQLiteStore(db) as s:
            s.read_only = True  # (root can write anyway: as the store does for a read-only mount)
            with pytest.raises(StoreError, match="is read-only"):
                remove_snapshots(s, NZZ, whole_source=True)
    finally:
        os.chmod(db, 0o644)
    with SQLiteStore(db) as s:
        assert len(s.snapshots(NZZ)) == 3


# -- the same bytes again with other options ----------------------------------------------


def user_map(path: Path) -> Path:
    feats = [{"type": "Feature", "properties": {"status": status}, "geometry": mapping(geom)}
             for status, geom in (("occupied", box(37.0, 47.5, 38.0, 48.2)),
                                  ("contested", box(36.0, 48.5, 36.5, 49.0)))]  # fmt: skip
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_the_same_bytes_with_another_date_name_or_value_are_refused(tmp_path):
    """#18: re-ingesting a user's map with another --date, --name or --occupied-value was a
    silent no-op (``files_already_ingested 1``): a wrong date could not be corrected. It is
    refused, naming what differs and pointing to ``remove``; after the removal the same
    bytes go in with the right date."""
    f = user_map(tmp_path / "mine.geojson")
    db = tmp_path / "s.gpkg"
    base = ["ingest", "geojson", str(f), "--occupied-property", "status"]
    r = cli(db, *base, "--date", "2024-05-01", "--name", "mine", "--occupied-value", "occupied")
    assert r.exit_code == 0
    rows = store_rows(db)
    was = f"{f}: these bytes were ingested before (as {f}), as the mine map of 2024-05-01; the same bytes stay one snapshot, so the new "  # noqa: E501
    fix = " is not applied. To change it, remove that map first (frontwatch remove --source mine --date 2024-05-01) and ingest again\n"  # noqa: E501
    occupied = equal_area_km2(box(37.0, 47.5, 38.0, 48.2))
    contested = equal_area_km2(box(36.0, 48.5, 36.5, 49.0))
    for args, what in [
        (["--date", "2024-05-02", "--name", "mine", "--occupied-value", "occupied"],
         "date 2024-05-01 → 2024-05-02 (--date)"),
        (["--date", "2024-05-01", "--name", "other", "--occupied-value", "occupied"],
         "source name mine → other (--name)"),
        (["--date", "2024-05-01", "--name", "mine", "--occupied-value", "contested"],
         f"occupied area {occupied:,.1f} → {contested:,.1f} km² (--occupied-property / --occupied-value)"),
    ]:  # fmt: skip
        r = cli(db, *base, *args, "--format", "json")
        assert r.exit_code == 1 and store_rows(db) == rows
        assert r.stderr == f"error: {was}{what}{fix}"
        assert orjson.loads(r.stdout)["files_already_ingested"] == 0
    r = cli(db, *base, "--date", "2024-05-01", "--name", "mine", "--occupied-value", "occupied", "--format", "json")
    assert r.exit_code == 0 and orjson.loads(r.stdout)["files_already_ingested"] == 1  # the same options: a no-op
    assert cli(db, "remove", "-s", "mine", "--date", "2024-05-01", "--yes").exit_code == 0
    r = cli(db, *base, "--date", "2024-05-02", "--name", "mine", "--occupied-value", "occupied", "--format", "json")
    assert r.exit_code == 0 and orjson.loads(r.stdout)["snapshots_added"] == 1
    with SQLiteStore(db) as s:
        (rec,) = s.snapshots("mine")
        assert rec.valid_date == "2024-05-02" and rec.occupied_km2 == pytest.approx(occupied, rel=1e-4)


def test_repeated_bytes_are_read_and_checked_before_the_commit_opens(tmp_path, monkeypatch):
    """#13: the option check of a repeated file (it reads and validates the map) ran inside
    the transaction of the ingest's commit, holding the store's write lock meanwhile. Now it
    runs before: no read of a repeated file, no validation of its map, happens in a
    transaction; the answers are the same (a refusal, a new map of another date)."""
    import frontwatch._same_bytes as same_bytes
    from frontwatch.sources import adapter

    f = user_map(tmp_path / "mine.geojson")
    opts = {"occupied_property": "status", "occupied_value": "occupied", "source": "mine"}
    store = SQLiteStore(tmp_path / "s.gpkg")
    ingest(store, "geojson", [f], options={**opts, "date": "2024-05-01"}, workers=1)
    seen: list[tuple[str, bool]] = []
    for mod, name in ((adapter("geojson"), "read"), (adapter("deepstate"), "read"), (same_bytes, "validate_snapshot")):
        real = getattr(mod, name)

        def spy(*args, _real=real, _name=name, **kw):
            seen.append((_name, store.conn.in_transaction))
            return _real(*args, **kw)

        monkeypatch.setattr(mod, name, spy)
    got = ingest(store, "geojson", [f], options={**opts, "date": "2024-05-02"}, workers=1)
    assert got.errors and "date 2024-05-01 → 2024-05-02 (--date)" in got.errors[0]
    first = sorted((SAMPLES / "deepstate").iterdir())[0]  # a daily file again under the next day's name
    day = dt.datetime.strptime(first.name[18:26], "%Y%m%d").date()
    ingest(store, "deepstate", [first], workers=1)
    copy = tmp_path / f"deepstatemap_data_{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}.geojson.gz"
    copy.write_bytes(first.read_bytes())
    got = ingest(store, "deepstate", [copy], workers=1)
    assert (got.added, got.errors) == (1, [])
    assert [r.valid_date for r in store.snapshots("deepstate")] == [(day + dt.timedelta(days=k - 1)).isoformat()
                                                                      for k in range(2)]  # fmt: skip
    store.close()
    assert {n for n, _ in seen} == {"read", "validate_snapshot"}
    assert not any(in_tx for _, in_tx in seen), seen


def test_a_map_removed_while_its_steps_are_derived_leaves_no_step(tmp_path, maps, monkeypatch):
    """#13: ingest derives the steps after its lock is released, so a removal can come in
    between; the step into the removed map, computed from what was read before, is not
    written (no row refers to a snapshot that is gone, and no foreign-key error), and the
    other steps are."""
    import frontwatch.steps as steps

    db = tmp_path / "s.gpkg"
    removed: list[int] = []
    real = steps._with_blobs

    def removal_first(store, todo, *rest):
        with SQLiteStore(db) as other:  # (another process's removal, between ingest and steps)
            newest = other.snapshots(NZZ)[-1]
            remove_snapshots(other, NZZ, snapshot_id=newest.id)
            removed.append(newest.id)
        yield from real(store, todo, *rest)

    with SQLiteStore(db) as s:
        ingest(s, NZZ, maps[: FAULT_DAY - 1], workers=1)
        monkeypatch.setattr(steps, "_with_blobs", removal_first)
        got = ingest(s, NZZ, maps[FAULT_DAY - 1 : FAULT_DAY], workers=1)
        monkeypatch.undo()
        assert got.added == 1 and got.errors == [] and got.warnings == []
        recs = s.snapshots(NZZ)
        assert removed and removed[0] not in {r.id for r in recs}
        orphans = s.conn.execute("SELECT count(*) FROM fw_steps WHERE from_id NOT IN (SELECT id FROM fw_snapshots)"
                                 " OR to_id NOT IN (SELECT id FROM fw_snapshots)").fetchone()[0]  # fmt: skip
        assert orphans == 0
        assert s.step_keys() == {(a.id, b.id) for a, b in zip(recs, recs[1:], strict=False)}


def test_another_connection_never_sees_a_removed_maps_layer_as_a_new_ones(tmp_path, maps):
    """SQLite gave a new row the highest id + 1, so a map removed from the end and a new one
    ingested shared an id; ids are never given twice now (#13, schema 7). A long-lived
    connection (the web app's) that had the removed map's layer cached gives the new one's."""
    db = tmp_path / "s.gpkg"
    with SQLiteStore(db) as writer, SQLiteStore(db) as reader:
        ingest(writer, NZZ, maps[:3], workers=1)
        last = reader.snapshots(NZZ)[-1]
        old = reader.layer(last.id)
        remove_snapshots(writer, NZZ, snapshot_id=last.id)
        ingest(writer, NZZ, [maps[5]], workers=1)
        new = writer.snapshots(NZZ)[-1]
        assert new.id > last.id and new.valid_date != last.valid_date
        got = reader.layer(new.id)
        assert not got.equals(old)
        assert equal_area_km2(got) == pytest.approx(new.occupied_km2, rel=1e-4)


def snapshot_rows(store) -> list[tuple]:
    """What a store holds of the test source, on either backend, without ids or times."""
    return sorted((r.valid_time, r.geom_hash, round(r.occupied_km2, 6), r.excluded, r.superseded_by is not None,
                   orjson.dumps(r.flags)) for r in store.snapshots(NZZ, usable_only=False))  # fmt: skip


def test_removal_on_either_backend(backend, tmp_path, maps):
    """The same removals on SQLite and PostGIS (``make test-postgis``): a date, then the
    whole source, each checked against a store that never had them."""
    stores = Stores(backend, tmp_path)
    try:
        store, reference = stores("removed"), stores("reference")
        ingest(store, NZZ, maps, workers=1)
        ingest(reference, NZZ, [f for f in maps if f != maps[FAULT_DAY]], workers=1)
        done = remove_snapshots(store, NZZ, date=fault_day())
        assert [r["valid_date"] for r in done.removed] == [fault_day()] and done.files_forgotten == [str(maps[FAULT_DAY])]
        assert snapshot_rows(store) == snapshot_rows(reference)
        assert store.file_count(NZZ) == reference.file_count(NZZ) == len(maps) - 1
        here, there = store.snapshots(NZZ)[FAULT_DAY], reference.snapshots(NZZ)[FAULT_DAY]
        assert store.layer(here.id).equals(reference.layer(there.id))
        remove_snapshots(store, NZZ, whole_source=True)
        assert store.snapshots(NZZ, usable_only=False) == [] and store.file_count(NZZ) == 0
        assert ingest(store, NZZ, maps[:2], workers=1).added == 2  # the files were forgotten
    finally:
        stores.close()


def test_a_failure_after_the_removal_is_a_warning_not_an_error(tmp_path, monkeypatch):
    """(#14) The removal is committed before the steps and the window table are derived
    again: a failure there is reported as a warning with the summary (the map is gone)."""
    import random

    from frontwatch import ingest as ingest_module
    from frontwatch.ingest import ingest
    from frontwatch.remove import remove_snapshots
    from frontwatch.store import SQLiteStore
    from tests.conftest import SEED, evolving_maps

    store = SQLiteStore(tmp_path / "s.gpkg")
    ingest(store, "liveuamap-nzz", evolving_maps(tmp_path, random.Random(SEED), days=5), workers=1)
    gone = store.snapshots("liveuamap-nzz")[1]

    def broken(*a, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(ingest_module, "rederive", broken)
    done = remove_snapshots(store, "liveuamap-nzz", snapshot_id=gone.id, workers=1)
    assert gone.id not in {r.id for r in store.snapshots("liveuamap-nzz")}
    assert len(done.removed) == 1 and "OSError: disk full" in done.warnings[0]
    assert any(line.startswith("warning: ") for line in done.lines())
    assert done.as_dict()["warnings"] == done.warnings  # (JSON says it too)
    store.close()
