"""Reliability under faults (#13): concurrent use, hard kills, foreign and read-only files,
newer stores, workers outliving their parent, decompression bombs, and no tracebacks.

The cases that need real processes (two ingests at once, kill -9, SIGTERM) run the CLI in
subprocesses; its jobs are slowed down by :data:`RUNNER` so the faults land mid-ingest."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from frontwatch import quality
from frontwatch._migrations import LATEST
from frontwatch.cli import main
from frontwatch.errors import NotAStore, StoreVersionError
from frontwatch.ingest import ingest
from frontwatch.store import SQLiteStore
from tests.conftest import ROOT, SAMPLES, nzz_file

NZZ = "liveuamap-nzz"
RUNNER = """
import sys, time
import frontwatch.ingest
ing = sys.modules["frontwatch.ingest"]
ing.CHUNK_FILES = 1
ing.COMMIT_FILES = int(sys.argv[1])
real, pause = ing._read_validate_chunk, float(sys.argv[2])
def slow_chunk(*args):
    time.sleep(pause)
    return real(*args)
ing._read_validate_chunk = slow_chunk
from frontwatch.cli import main
main(sys.argv[3:], prog_name="frontwatch")
"""
"""``python -c RUNNER COMMIT_FILES PAUSE_S frontwatch-args...``: the CLI with one file per
worker job, each job PAUSE_S slower, and commits every COMMIT_FILES files."""


def cli(*args: str, db: Path | None = None):
    return CliRunner().invoke(main, (["--db", str(db)] if db else []) + list(args))


def spawn(db: Path, *args: str, commit_files: int = 64, pause: float = 0.0, **kw) -> subprocess.Popen:
    """The CLI in a process of its own (its own session, so its workers can be found)."""
    cmd = [sys.executable, "-c", RUNNER, str(commit_files), str(pause), "--db", str(db), *args]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, **kw)  # fmt: skip


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frontwatch.cli", "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def group_members(pgid: int) -> list[int]:
    """Live processes (not zombies) of a process group."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(d.name))
    return pids


def wait_for(cond, timeout: float = 60.0, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False


def snapshot_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True, timeout=0.1)
        try:
            return conn.execute("SELECT count(*) FROM fw_snapshots").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def store_rows(db: Path) -> list[tuple]:
    """What a store holds, without ids or ingest times: equal for equal ingests."""
    with SQLiteStore(db) as s:
        snaps = sorted((r.source, r.valid_time, r.geom_hash, round(r.occupied_km2, 6), r.excluded,
                        r.superseded_by is not None, orjson.dumps(r.flags))
                       for r in s.snapshots(usable_only=False))  # fmt: skip
        files = sorted((r[0], r[1]) for r in s.conn.execute("SELECT sha256, source FROM fw_files"))
    return [snaps, files]


# -- maps with a relabel fault -----------------------------------------------------------

FAULT_DAY = 8


def faulty_maps(folder: Path, days: int = 14) -> list[Path]:
    """Daily maps of an occupied area growing 0.01° a day, except that on day FAULT_DAY
    most of it is drawn as ``losses`` (as liveuamap's maps of 2023-12-09..11): a
    transient fault of about -20,000 km² that the next day undoes."""
    folder.mkdir(exist_ok=True)
    start = dt.date(2023, 12, 1)
    files = []
    for i in range(days):
        day = (start + dt.timedelta(days=i)).isoformat()
        held = box(36.0, 47.5, 38.0 + 0.01 * i, 49.0)
        if i == FAULT_DAY:
            kept = box(36.0, 47.5, 36.3, 49.0)
            files.append(nzz_file(folder / f"{day}.json.gz", day, kept, losses=held.difference(kept)))
        else:
            files.append(nzz_file(folder / f"{day}.json.gz", day, held, losses=box(36.5, 48.0, 36.501, 48.001)))
    return files


def fault_day(offset: int = 0) -> str:
    return (dt.date(2023, 12, 1) + dt.timedelta(days=FAULT_DAY + offset)).isoformat()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """The faulty maps and a store of all of them ingested in one uninterrupted run."""
    root = tmp_path_factory.mktemp("faulty")
    files = faulty_maps(root / "maps")
    db = root / "reference.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, files, workers=1)
    return root / "maps", db


# -- 1. locks: two ingests and queries at once ---------------------------------------------


# -- 2. a hard kill at any point, then queries ---------------------------------------------


def assert_flags_are_current(db: Path) -> None:
    """The stored quality flags are those the committed snapshots call for."""

    class Undo(Exception):
        pass

    with SQLiteStore(db) as s:
        stored = {r.id: (r.flags, r.excluded) for r in s.snapshots(NZZ, usable_only=False)}
        with pytest.raises(Undo), s.transaction():
            quality.assess(s, NZZ)
            fresh = {r.id: (r.flags, r.excluded) for r in s.snapshots(NZZ, usable_only=False)}
            raise Undo
    assert fresh == stored


# -- 3. foreign files ----------------------------------------------------------------------


def foreign_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('keep me')")
    conn.commit()
    conn.close()
    return path


def foreign_geopackage(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1196444487")
    conn.execute("PRAGMA user_version = 10300")
    conn.execute("CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT)")
    conn.execute("CREATE TABLE roads (fid INTEGER PRIMARY KEY, geom BLOB)")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("make, what", [
    (foreign_sqlite, "an SQLite database of another tool (tables: notes)"),
    (foreign_geopackage, "a GeoPackage of another tool (tables: gpkg_contents, roads)"),
])  # fmt: skip
def test_a_foreign_file_is_refused_and_left_byte_identical(tmp_path, make, what):
    """Found by the adversarial run: any SQLite file given to --db was silently turned into
    a Frontwatch store, even by a read-only query."""
    db = make(tmp_path / "theirs.gpkg")
    before = db.read_bytes()
    for args in (["sources"], ["area", "-s", NZZ, "--on", "2022-09-08"],
                 ["ingest", NZZ, str(SAMPLES / NZZ / "2022-09-08.json.gz")]):  # fmt: skip
        r = cli(*args, db=db)
        assert r.exit_code == 1
        assert r.stderr == f"Error: {db} is not a Frontwatch store: {what}; it was left unchanged\n"
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.gpkg"]  # no -wal, -shm, lock


def test_not_sqlite_at_all_is_refused(tmp_path):
    db = tmp_path / "x.gpkg"
    db.write_bytes(b"not a database\n" * 10)
    with pytest.raises(NotAStore, match="not an SQLite file"):
        SQLiteStore(db)
    assert db.read_bytes() == b"not a database\n" * 10


# -- 6. read-only stores ---------------------------------------------------------------------


@contextmanager
def immutable(path: Path):
    """The file made immutable (``chattr +i``: refused even to root); skip where impossible."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield
        path.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def read_only_mount(folder: Path):
    """``folder`` bind-mounted read-only on a sibling; skip where mounts are not allowed."""
    target = folder.with_name(folder.name + "-ro")
    target.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(target)],
                                            capture_output=True).returncode != 0:  # fmt: skip
        pytest.skip("read-only bind mounts need root")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


def copy_store(store: SQLiteStore, path: Path) -> Path:
    """A consistent copy of an open store (its last commits may still be in its WAL)."""
    with sqlite3.connect(path) as dst:
        store.conn.backup(dst)
    dst.close()
    return path


def read_only_queries(db: Path) -> None:
    for args in (["sources"], ["area", "-s", NZZ, "--on", "2022-09-08"],
                 ["series", "-s", NZZ, "--format", "json"],  # (computes steps it cannot keep)
                 ["change", "-s", NZZ, "--from", "2022-08-25", "--to", "2022-09-11"]):  # fmt: skip
        r = cli(*args, db=db)
        assert r.exit_code == 0, r.output
    r = cli("ingest", NZZ, str(SAMPLES / NZZ / "2022-09-08.json.gz"), db=db)
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {db} is read-only (a read-only mount or file): it can be queried, not "
                        "ingested into\n")  # fmt: skip


# -- 7. schema versions ------------------------------------------------------------------------


def test_a_store_of_a_newer_version_is_refused(tmp_path):
    """Found by the adversarial run: a store written by a newer version was read and
    written, ending in a TypeError traceback."""
    db = tmp_path / "newer.gpkg"
    SQLiteStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO fw_migrations VALUES (?, 'from the future', '2030-01-01')", (LATEST + 2,))
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreVersionError) as exc:
        SQLiteStore(db)
    assert (exc.value.version, exc.value.supported) == (LATEST + 2, LATEST)
    r = cli("sources", db=db)
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {db}: store schema version {LATEST + 2}, newer than this version of "
                        f"Frontwatch reads (up to {LATEST}): upgrade Frontwatch to use this store\n")  # fmt: skip
    assert db.read_bytes() == before


# -- 4. workers die with their parent ----------------------------------------------------------


# -- 5. decompression bombs --------------------------------------------------------------------

RSS_PROBE = """
import resource, sys
from frontwatch.cli import main
try:
    main(sys.argv[1:], prog_name="frontwatch")
except SystemExit as exc:
    code = exc.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, code, file=sys.stderr)
"""


def gzip_bomb(path: Path, total_mb: int) -> Path:
    """``total_mb`` MB of zeros as gzip members of 64 MB each (about 1,000:1)."""
    member = gzip.compress(bytes(64 << 20), compresslevel=9, mtime=0)
    path.write_bytes(member * (total_mb // 64))
    return path


# -- 8, 9. no tracebacks, and exit codes that say what happened ----------------------------------


@pytest.fixture(scope="module")
def nzz_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "nzz.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, [SAMPLES / NZZ], workers=1)
    return db

