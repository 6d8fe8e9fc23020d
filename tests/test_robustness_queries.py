"""Queries never write (#13): a query leaves the store file and its WAL byte-identical,
whether the steps an ingest derives are there or not, and whether the WAL holds commits
(a killed ingest) or there is none (a store closed cleanly)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from frontwatch.cli import main
from frontwatch.store import SQLiteStore
from tests.conftest import ROOT, SAMPLES, sqlite_only
from tests.test_robustness import copy_store, snapshot_count, wait_for

NZZ = "liveuamap-nzz"
QUERIES = [
    ["sources"],
    ["area", "-s", NZZ, "--on", "2022-09-08"],
    ["change", "-s", NZZ, "--from", "2022-08-25", "--to", "2022-09-11"],  # (not consecutive maps)
    ["change", "-s", "all", "--from", "2022-09-04", "--to", "2022-09-11", "--by", "oblast"],
    ["series", "-s", NZZ, "--format", "json"],
    ["series", "-s", "deepstate", "--every", "day", "--format", "json"],
    ["top", "-s", NZZ, "--window", "3d", "--limit", "3"],
    ["since", "-s", NZZ, "--from", "2022-09-10", "--to", "2022-09-13"],
    ["place", "Izium", "-s", NZZ, "--history"],
    ["places", "-s", NZZ, "--from", "2022-09-06", "--to", "2022-09-11", "--changed"],
    ["distance", "Kupiansk", "-s", NZZ, "--on", "2022-09-08"],
    ["advance", "-s", NZZ, "--from", "2022-09-08", "--to", "2022-09-11"],
    ["front", "-s", NZZ, "--on", "2022-09-08"],
    ["check", str(SAMPLES / "articles" / "2022-09-ukraine-retook-1000-km2.txt"),
     "--published", "2022-09-10", "--source", NZZ, "--source", "deepstate"],
]  # fmt: skip


def digests(db: Path) -> dict[str, str | None]:
    """sha256 of the store file and of its WAL (None: no such file)."""
    out: dict[str, str | None] = {}
    for p in (db, Path(f"{db}-wal")):
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
    return out


def assert_queries_write_nothing(db: Path, queries=QUERIES) -> None:
    before = digests(db)
    for args in queries:
        r = CliRunner().invoke(main, ["--db", str(db), *args])
        assert r.exit_code == 0, (args, r.output)
        assert digests(db) == before, args


def without_steps(sample_store, path: Path) -> Path:
    """A copy of the sample store, its WAL checkpointed (as a store closed cleanly), with
    the steps ingest derives deleted: every query that needs one must compute it."""
    db = copy_store(sample_store, path)
    with SQLiteStore(db) as s, s.transaction():
        s.conn.execute("DELETE FROM fw_steps")
    assert not Path(f"{db}-wal").exists()
    return db


def test_queries_leave_a_store_byte_identical(tmp_path, sample_store):
    """Found by the reliability review: queries kept steps and the areas of pairs in the
    store when it could be written. Now they compute them in memory: every query command
    leaves the file as it was, with and without the steps ingest stores."""
    sqlite_only(sample_store, "the bytes of a store file")
    db = copy_store(sample_store, tmp_path / "with-steps.gpkg")
    assert_queries_write_nothing(db)
    bare = without_steps(sample_store, tmp_path / "bare.gpkg")
    assert_queries_write_nothing(bare)
    with SQLiteStore(bare) as s:
        assert s.conn.execute("SELECT count(*) FROM fw_steps").fetchone()[0] == 0
        assert s.conn.execute("SELECT count(*) FROM fw_changes").fetchone()[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.gpkg", "with-steps.gpkg"]


KILLED_WRITER = """
import os, sys
from frontwatch.store import SQLiteStore
s = SQLiteStore(sys.argv[1])
s.conn.execute("PRAGMA wal_autocheckpoint = 0")
with s.transaction():
    s.conn.execute("DELETE FROM fw_steps")
os._exit(0)  # (killed: the commit stays in the WAL, nothing checkpoints it)
"""


def test_queries_leave_a_store_and_its_wal_byte_identical(tmp_path, sample_store):
    """A store whose last commits are still in its WAL (the writer was killed): a
    read-write connection closing last would copy them into the file; queries open it
    read-only, so both files keep their bytes, and the WAL's commits are read."""
    sqlite_only(sample_store, "the bytes of a store file and its WAL")
    db = copy_store(sample_store, tmp_path / "wal.gpkg")
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], cwd=ROOT, check=True)
    assert os.path.getsize(f"{db}-wal") > 0
    assert_queries_write_nothing(db)
    with SQLiteStore(db, read_only=True) as s:  # (the commit in the WAL is seen)
        assert s.conn.execute("SELECT count(*) FROM fw_steps").fetchone()[0] == 0


def test_a_store_opened_for_queries_refuses_writes(tmp_path, sample_store):
    sqlite_only(sample_store, "a store file")
    db = copy_store(sample_store, tmp_path / "ro.gpkg")
    r = CliRunner().invoke(main, ["--db", str(db), "ingest", NZZ, str(SAMPLES / NZZ / "2022-09-08.json.gz")])
    assert r.exit_code == 0, r.output  # (ingest opens it to write)
    with SQLiteStore(db, read_only=True) as s:
        assert s.read_only
        with pytest.raises(Exception, match="was opened read-only \\(for queries\\): it can be queried, not written"):
            with s.transaction():
                pass


STEPS_RUNNER = """
import sys, time
import frontwatch.steps as steps
steps.STEPS_PER_COMMIT = 1
real = steps._diff
def slow_diff(*args):
    time.sleep(0.3)
    return real(*args)
steps._diff = slow_diff
from frontwatch.cli import main
main(sys.argv[1:], prog_name="frontwatch")
"""
"""The CLI with the steps of an ingest computed slowly and committed one at a time."""


def answers(db: Path) -> list:
    """What queries that use steps answer, without provenance (paths, ingest times)."""
    import orjson

    out = []
    for args in (["series", "-s", NZZ, "--format", "json"],
                 ["top", "-s", NZZ, "--window", "3d", "--limit", "5", "--format", "json"],
                 ["change", "-s", NZZ, "--from", "2023-12-02", "--to", "2023-12-13", "--format", "json"]):  # fmt: skip
        r = CliRunner().invoke(main, ["--db", str(db), *args])
        assert r.exit_code == 0, (args, r.output)
        out.append(orjson.loads(r.stdout))
    keys = ("period_end", "snapshot_date", "from_snapshot", "to_snapshot", "occupied_km2", "ua_gain_km2",
            "ru_gain_km2", "net_km2", "gained_km2", "rank", "masked_km2")  # fmt: skip

    def strip(v):
        if isinstance(v, list):
            return [strip(x) for x in v]
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k in keys or isinstance(x, list | dict)}
        return v

    return strip(out)


def test_kill_9_while_steps_are_derived_then_queries_are_right(tmp_path):
    """A hard kill after the maps are committed, while ingest stores the steps between
    them: the ingest's maps are all there (no unfinished mark), the steps partly; queries
    compute the missing ones in memory and answer as on a store ingested without a kill,
    writing nothing."""
    import signal

    from frontwatch.ingest import ingest
    from tests.test_robustness import faulty_maps

    maps = faulty_maps(tmp_path / "maps")
    reference = tmp_path / "reference.gpkg"
    with SQLiteStore(reference) as s:
        ingest(s, NZZ, maps, workers=1)
        total = s.conn.execute("SELECT count(*) FROM fw_steps").fetchone()[0]
    db = tmp_path / "killed.gpkg"
    p = subprocess.Popen([sys.executable, "-c", STEPS_RUNNER, "--db", str(db), "ingest", NZZ, str(tmp_path / "maps"),
                          "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)  # fmt: skip

    try:
        wait_for(lambda: snapshot_count(db, "fw_steps") >= 3 or p.poll() is not None, 120)
        os.killpg(p.pid, signal.SIGKILL)
    finally:
        p.communicate()
    stored = snapshot_count(db, "fw_steps")
    assert 3 <= stored < total  # (killed while deriving the steps)
    with SQLiteStore(db, read_only=True) as s:
        assert s.unfinished_ingests() == {}
        assert len(s.snapshots(NZZ, usable_only=False)) == len(maps)
    assert answers(db) == answers(reference)
    assert_queries_write_nothing(db, [["series", "-s", NZZ], ["top", "-s", NZZ, "--window", "3d"]])
    assert snapshot_count(db, "fw_steps") == stored
