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
from tests.test_robustness import copy_store

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
    ["check", str(SAMPLES.parent / "samples" / "articles" / "2022-09-ukraine-retook-1000-km2.txt"),
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
