"""Ingest: bad input gives a clear error naming the file and leaves the store unchanged;
repairs are recorded; the same bytes twice are a no-op."""

from __future__ import annotations

import gzip

import orjson
import pytest
from shapely.geometry import Polygon, box

from frontwatch import _geo
from frontwatch.errors import InputFileError
from frontwatch.ingest import ingest
from frontwatch.store import SQLiteStore
from tests.conftest import equal_area_km2, nzz_file

KHARKIV = box(36.5, 49.5, 37.5, 50.0)  # well inside Ukraine
DONETSK_WEST = box(37.0, 47.8, 37.6, 48.2)


def dump(store: SQLiteStore) -> list:
    """Every row of the Frontwatch tables, to compare before and after a failure."""
    tables = ["fw_files", "fw_snapshots", "snapshot_layers"]
    return [list(map(tuple, store.conn.execute(f"SELECT * FROM {t}"))) for t in tables]


def test_held_area_is_nochange_plus_gains_not_losses(tmp_path, fresh_store):
    f = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", KHARKIV,
                 gains=DONETSK_WEST, losses=box(35.0, 47.5, 35.5, 47.8))  # fmt: skip
    s = ingest(fresh_store, "liveuamap-nzz", [f], workers=1)
    assert s.added == 1
    (rec,) = fresh_store.snapshots("liveuamap-nzz")
    assert rec.valid_date == "2022-09-08"
    expected = equal_area_km2(KHARKIV) + equal_area_km2(DONETSK_WEST)
    assert rec.occupied_km2 == pytest.approx(expected, rel=1e-4)
    assert rec.areas["losses"] == pytest.approx(equal_area_km2(box(35.0, 47.5, 35.5, 47.8)), rel=1e-4)


def test_same_bytes_twice_is_a_noop(tmp_path, fresh_store):
    f = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", KHARKIV)
    ingest(fresh_store, "liveuamap-nzz", [f], workers=1)
    before = dump(fresh_store)
    s = ingest(fresh_store, "liveuamap-nzz", [f], workers=1)
    assert (s.added, s.unchanged_files) == (0, 1)
    assert dump(fresh_store) == before


def test_byte_identical_copy_under_another_name_is_one_snapshot(tmp_path, fresh_store):
    a = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", KHARKIV)
    b = tmp_path / "2022-09-09.json.gz"
    b.write_bytes(a.read_bytes())
    s = ingest(fresh_store, "liveuamap-nzz", [a, b], workers=1)
    assert (s.added, s.unchanged_files) == (1, 1)
    (rec,) = fresh_store.snapshots("liveuamap-nzz")
    assert [x["file"] for x in rec.aliases] == [str(b)]


def test_geometry_identical_file_is_an_alias(tmp_path, fresh_store):
    a = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", KHARKIV)
    b = tmp_path / "again.json"
    b.write_bytes(gzip.decompress(a.read_bytes()))  # other bytes, same map
    s = ingest(fresh_store, "liveuamap-nzz", [a, b], workers=1)
    assert (s.added, s.duplicates) == (1, 1)


BAD = {
    "malformed.json": (b'{"value": {"type": "FeatureCollection", "features": [', "malformed JSON"),
    "truncated.json.gz": (None, "cannot decompress"),
    "nopolygons.json": (
        orjson.dumps({"value": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"type": "nochange", "date": "2022-09-08"},
             "geometry": {"type": "Point", "coordinates": [36.0, 49.0]}}]}}),
        "no polygon features",
    ),
    "projected.json": (
        orjson.dumps({"value": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"type": "nochange", "date": "2022-09-08"},
             "geometry": {"type": "Polygon", "coordinates": [[[4000000, 6300000], [4100000, 6300000],
                                                               [4100000, 6400000], [4000000, 6300000]]]}}]}}),
        "out of range for lon/lat degrees",
    ),
    "swapped.json": (
        orjson.dumps({"value": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"type": "nochange", "date": "2022-09-08"},
             "geometry": {"type": "Polygon", "coordinates": [[[49.5, 36.5], [50.0, 36.5],
                                                               [50.0, 37.5], [49.5, 36.5]]]}}]}}),
        "coordinates look swapped",
    ),
    "notfc.json": (orjson.dumps({"value": [1, 2]}), "not a GeoJSON FeatureCollection"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_names_file_and_problem_and_leaves_store_unchanged(tmp_path, fresh_store, name):
    good = nzz_file(tmp_path / "2022-09-01.json.gz", "2022-09-01", KHARKIV)
    ingest(fresh_store, "liveuamap-nzz", [good], workers=1)
    before = dump(fresh_store)
    content, problem = BAD[name]
    bad = tmp_path / name
    if content is None:
        whole = nzz_file(tmp_path / "whole.json.gz", "2022-09-08", KHARKIV).read_bytes()
        content = whole[: len(whole) // 2]
    bad.write_bytes(content)
    s = ingest(fresh_store, "liveuamap-nzz", [bad], workers=1)
    assert len(s.errors) == 1
    assert s.errors[0].startswith(str(bad) + ": ")
    assert problem in s.errors[0]
    assert dump(fresh_store) == before


def test_failure_midway_through_a_multi_snapshot_file_rolls_back(tmp_path, fresh_store):
    """A revision archive whose second line is bad adds none of its revisions."""
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "name": "Окуповано /// Occupied", "fill": "#a52714"}, "geometry": KHARKIV.__geo_interface__}]}  # fmt: skip
    lines = [
        orjson.dumps({"revision": 1, "published_utc": "2022-09-08T10:00:00Z", "map": fc}),
        b'{"revision": 2, "published_utc": "2022-09-09T10:00:00Z", "map": {',
    ]
    f = tmp_path / "revisions.jsonl"
    f.write_bytes(b"\n".join(lines))
    s = ingest(fresh_store, "deepstate", [f], workers=1)
    assert s.errors and "line 2" in s.errors[0] and "malformed JSON" in s.errors[0]
    assert fresh_store.snapshots("deepstate") == []


def test_self_intersecting_ring_is_repaired_and_recorded(tmp_path, fresh_store):
    bowtie = Polygon([(36, 49), (37, 50), (37, 49), (36, 50), (36, 49)])
    f = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", bowtie)
    s = ingest(fresh_store, "liveuamap-nzz", [f], workers=1)
    assert s.repaired == 1
    (rec,) = fresh_store.snapshots("liveuamap-nzz")
    assert any("repaired an invalid geometry" in w for w in rec.warnings)
    fixed, _ = _geo.repair(bowtie)
    assert rec.occupied_km2 == pytest.approx(equal_area_km2(fixed), rel=1e-4)


def test_unknown_path_is_a_clear_error(fresh_store, tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        ingest(fresh_store, "liveuamap-nzz", [tmp_path / "missing.json"], workers=1)


def test_parts_outside_ukraine_are_clipped_with_a_warning(tmp_path, fresh_store):
    central_asia = box(60, 40, 70, 45)
    f = nzz_file(tmp_path / "2023-10-24.json.gz", "2023-10-24", shapely_union(KHARKIV, central_asia))
    ingest(fresh_store, "liveuamap-nzz", [f], workers=1)
    (rec,) = fresh_store.snapshots("liveuamap-nzz")
    assert rec.occupied_km2 == pytest.approx(equal_area_km2(KHARKIV), rel=1e-4)
    assert any("outside Ukraine" in w for w in rec.warnings)


def shapely_union(*gs):
    import shapely

    return shapely.union_all(gs)


def test_worker_pool_and_in_process_ingest_store_the_same(tmp_path):
    """Chunks of files in worker processes, commits in groups with a savepoint per file:
    the same snapshots, areas and errors as one file at a time, and the bad file in the
    middle leaves no trace."""
    folder = tmp_path / "maps"
    folder.mkdir()
    for i in range(8):
        day = f"2022-09-0{i + 1}"
        nzz_file(folder / f"{day}.json.gz", day, box(36.5, 49.5, 37.0 + 0.05 * i, 50.0))
    (folder / "2022-09-05.json.gz").write_bytes(b"\x1f\x8b\x08\x00 truncated")
    (folder / "2022-09-09.json.gz").write_bytes((folder / "2022-09-02.json.gz").read_bytes())
    stores = []
    for workers in (1, 2):
        store = SQLiteStore(tmp_path / f"w{workers}.gpkg")
        s = ingest(store, "liveuamap-nzz", [folder], workers=workers)
        assert (s.files, s.added, s.unchanged_files, len(s.errors)) == (9, 7, 1, 1)
        assert "2022-09-05.json.gz" in s.errors[0]
        stores.append(store)
    rows = [[(r.valid_date, round(r.occupied_km2, 9), r.geom_hash, r.file.rsplit("/", 1)[-1])
             for r in st.snapshots("liveuamap-nzz")] for st in stores]  # fmt: skip
    assert rows[0] == rows[1] and len(rows[0]) == 7
    for st in stores:
        paths = [r[0] for r in st.conn.execute("SELECT path FROM fw_files")]
        assert not any(p.endswith("2022-09-05.json.gz") for p in paths)
        # each map's area, by the second method
        for r in st.snapshots("liveuamap-nzz"):
            i = int(r.valid_date[-1]) - 1
            assert r.occupied_km2 == pytest.approx(equal_area_km2(box(36.5, 49.5, 37.0 + 0.05 * i, 50.0)),
                                                   rel=1e-4)  # fmt: skip
        st.close()


def test_input_file_error_survives_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(InputFileError("a/b.json", "malformed JSON")))
    assert (err.path, err.problem, str(err)) == ("a/b.json", "malformed JSON", "a/b.json: malformed JSON")


def test_an_odd_file_or_an_interrupt_loses_no_finished_file(tmp_path, fresh_store):
    """Found by review: with grouped commits, an unexpected error in one file or an
    interrupt used to roll back the files finished before it in the same group."""
    folder = tmp_path / "maps"
    folder.mkdir()
    for i in range(6):
        nzz_file(folder / f"2022-09-0{i + 1}.json.gz", f"2022-09-0{i + 1}", box(36.5, 49.5, 37.0 + 0.05 * i, 50.0))
    ring = [[36, 49, 1], [37, 49, 1], [37, 50, 1], [36, 49, 1]]
    odd = {"value": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": ["nochange"],
           "geometry": {"type": "Polygon", "coordinates": [ring]}}]}}  # fmt: skip
    (folder / "2022-09-04.json.gz").write_bytes(gzip.compress(orjson.dumps(odd)))
    s = ingest(fresh_store, "liveuamap-nzz", [folder], workers=1)
    assert s.added == 5 and len(s.errors) == 1 and "2022-09-04.json.gz" in s.errors[0]

    store2 = SQLiteStore(tmp_path / "b.gpkg")

    def stop_at_4(done, total, name):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(store2, "liveuamap-nzz", [folder], workers=1, progress=stop_at_4)
    store2.close()
    again = SQLiteStore(tmp_path / "b.gpkg")
    assert len(again.snapshots("liveuamap-nzz")) == 3  # files 1, 2, 3 (4 is the odd one)
    again.close()


def test_duplicates_between_jobs_leave_no_worker_idle(tmp_path, fresh_store, monkeypatch):
    """Found by profiling: byte duplicates queued between two worker jobs counted against
    the jobs in flight, so after a run of duplicates the next job was held back until the
    one before it was done and a worker sat idle (the liveuamap history has 712). Here the
    first job can only finish once the second has started."""
    import importlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    ingest_mod = importlib.import_module("frontwatch.ingest")  # (the package exports the function)

    folder = tmp_path / "maps"
    folder.mkdir()
    first = nzz_file(folder / "2022-09-01.json.gz", "2022-09-01", box(36.5, 49.5, 37.0, 50.0))
    for i in range(2, 20):  # 18 copies: many more than the jobs allowed in flight
        (folder / f"2022-09-{i:02d}.json.gz").write_bytes(first.read_bytes())
    nzz_file(folder / "2022-09-20.json.gz", "2022-09-20", box(36.5, 49.5, 37.2, 50.0))

    second_started = threading.Event()
    seen_second = []
    real = ingest_mod._read_validate_chunk

    def job(source, jobs, options, outline):
        if jobs[0][0].name == "2022-09-01.json.gz":
            seen_second.append(second_started.wait(timeout=10))
        else:
            second_started.set()
        return real(source, jobs, options, outline)

    monkeypatch.setattr(ingest_mod, "_read_validate_chunk", job)
    monkeypatch.setattr(ingest_mod, "worker_pool", lambda workers: ThreadPoolExecutor(max_workers=workers))
    monkeypatch.setattr(ingest_mod, "CHUNK_FILES", 1)
    s = ingest(fresh_store, "liveuamap-nzz", [folder], workers=2)
    assert seen_second == [True]
    assert (s.files, s.added, s.unchanged_files, len(s.errors)) == (20, 2, 18, 0)


def test_workers_are_forked_only_from_a_single_thread():
    """Forked workers start with everything imported; with another thread running, a fork
    could copy a held lock, so the pool then comes from the fork server."""
    import threading

    from frontwatch._workers import process_pool

    def method(pool):
        with pool:
            return pool._mp_context.get_start_method()

    if threading.active_count() == 1:
        assert method(process_pool(2)) == "fork"
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert method(process_pool(2)) == "forkserver"
    finally:
        stop.set()
        t.join()


def test_progress_moves_while_an_archive_is_read(tmp_path, fresh_store):
    """A revision archive is one file: progress is told the count of its maps as they are
    read (the bar used to sit at 0/? until the whole archive was in), then the steps, then
    the table of windows' bounds."""
    lines = []
    for k in range(5):
        geom = box(36.5, 49.5, 37.5 - 0.1 * k, 50.0).__geo_interface__
        fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
            "name": "Окуповано /// Occupied"}, "geometry": geom}]}  # fmt: skip
        lines.append(orjson.dumps({"revision": k, "published_utc": f"2022-09-0{k + 1}T10:00:00Z", "map": fc}))
    f = tmp_path / "revisions.jsonl"
    f.write_bytes(b"\n".join(lines))
    calls = []
    ingest(fresh_store, "deepstate", [f], workers=1, progress=lambda *a: calls.append(a))
    assert calls[0] == (0, 1, "")
    assert calls[1:6] == [(0, 1, f"revisions.jsonl: {n} maps") for n in range(1, 6)]
    assert calls[6] == (1, 1, "revisions.jsonl")
    assert calls[7:11] == [(n, 4, "changes between maps") for n in range(1, 5)]
    table = calls[11:]  # (a strip or more of faces, then the table)
    assert table == [(n, len(table), "bounds of windows") for n in range(1, len(table) + 1)] and len(table) >= 2


def test_an_archive_spilled_to_disk_stores_the_same_layers(tmp_path, monkeypatch):
    """An archive's maps wait for its commit on disk past a memory budget (ISW's 2022
    archive holds ~800 MB of encoded layers): with a budget of 0 every map goes through
    the spill file, and the store holds the same blobs and areas as with the maps kept in
    memory."""
    import frontwatch._spill as spill

    lines = []
    for k in range(6):
        geom = box(36.5, 49.5, 37.5 - 0.1 * k, 50.0 + 0.01 * k).__geo_interface__
        fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
            "name": "Окуповано /// Occupied"}, "geometry": geom}]}  # fmt: skip
        lines.append(orjson.dumps({"revision": k, "published_utc": f"2022-09-0{k + 1}T10:00:00Z", "map": fc}))
    f = tmp_path / "revisions.jsonl"
    f.write_bytes(b"\n".join(lines))
    stored = {}
    for budget in (None, 0):
        if budget is not None:
            monkeypatch.setattr(spill, "SPILL_BYTES", budget)
        store = SQLiteStore(tmp_path / f"s{budget}.gpkg")
        summary = ingest(store, "deepstate", [f], workers=1)
        assert summary.errors == [] and summary.added == 6
        stored[budget] = store.conn.execute(
            "SELECT valid_date, layer, area_km2, geom FROM snapshot_layers ORDER BY valid_date, layer"
        ).fetchall()
        store.close()
    assert len(stored[0]) == 6 and stored[0] == stored[None]


def test_the_spill_reads_back_what_it_wrote():
    from frontwatch._spill import BlobSpill

    class Snap:  # the two members of a ValidSnapshot the spill touches
        def __init__(self, blobs):
            self.encoded, self.shared_blobs = blobs, {}

        def blobs(self):
            return self.encoded

    blobs = [{"occupied": bytes([k]) * (1000 + k), "gains": b"g" * k} for k in range(5)]
    with BlobSpill(budget_bytes=2500) as sp:
        kept = [sp.keep(Snap(dict(b))) for b in blobs]
        assert [type(s.encoded) is dict for s in kept] == [True, True, False, False, False]
        assert [dict(s.encoded.items()) for s in kept] == blobs
        assert sp.spilled_bytes == sum(len(v) for b in blobs[2:] for v in b.values())


def test_work_items_are_typed_file_by_file(tmp_path, fresh_store):
    # #12: the ingest's work comes as typed items (no string tags): a one-map file, the same
    # bytes again, a file that cannot be read; an archive's maps then its end, or its maps
    # up to a bad line then the failure
    import hashlib

    from shapely.geometry import mapping

    from frontwatch._ingest_items import ArchiveEnd, ArchiveMap, Failed, Known, OneMap, work_items
    from frontwatch.sources import adapter

    one = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", KHARKIV)
    again = tmp_path / "2022-09-09.json.gz"
    again.write_bytes(one.read_bytes())
    unreadable = tmp_path / "2022-09-10.json.gz"
    unreadable.mkdir()
    items = list(work_items(fresh_store, adapter("liveuamap-nzz"), [one, again, unreadable], {}))
    assert [type(i) for i in items] == [OneMap, Known, Failed]
    sha = hashlib.sha256(one.read_bytes()).hexdigest()
    assert (items[0].path, items[0].sha, items[0].size) == (one, sha, one.stat().st_size)
    assert (items[1].path, items[1].sha, items[1].in_run, items[1].data) == (again, sha, True, one.read_bytes())
    assert items[2].path == unreadable and str(items[2].error).startswith(f"{unreadable}: cannot read")

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Окуповано /// Occupied", "fill": "#a52714"},
         "geometry": mapping(KHARKIV)}]}  # fmt: skip
    lines = [orjson.dumps({"revision": n, "published_utc": f"2024-11-1{n}T20:00:00Z", "map": fc}) for n in (1, 2)]
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"\n".join(lines))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(lines[0] + b"\n{not json\n")
    items = list(work_items(fresh_store, adapter("deepstate"), [good, bad], {}))
    assert [type(i) for i in items] == [ArchiveMap, ArchiveMap, ArchiveEnd, ArchiveMap, Failed]
    assert [i.raw.valid_date for i in items if isinstance(i, ArchiveMap)] == ["2024-11-11", "2024-11-12", "2024-11-11"]
    assert (items[2].path, items[2].size) == (good, good.stat().st_size)
    assert items[4].path == bad and str(items[4].error).startswith(f"{bad} line 2: malformed JSON")
