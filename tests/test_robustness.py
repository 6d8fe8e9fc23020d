"""Reliability under faults (#13): concurrent use, hard kills, foreign and read-only files,
newer stores, workers outliving their parent, decompression bombs, and no tracebacks.

The cases that need real processes (two ingests at once, kill -9, SIGTERM) run the CLI in
subprocesses; its jobs are slowed down by :data:`RUNNER` so the faults land mid-ingest."""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import io
import lzma
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from frontwatch import quality
from frontwatch.cli import main
from frontwatch.errors import NotAStore, StoreVersionError
from frontwatch.ingest import ingest
from frontwatch.store import SQLiteStore
from frontwatch.store.migrations import LATEST
from tests.conftest import ROOT, SAMPLES, nzz_file, sqlite_only

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


def snapshot_count(db: Path, table: str = "fw_snapshots") -> int:
    """Rows of ``table`` in the store file ``db``, read while another process may write it."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True, timeout=0.1)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
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


def test_two_ingests_and_queries_at_once_lose_nothing(tmp_path, sample_store):
    """Found by the adversarial run: an ingest held its write transaction while it waited
    on workers, so a second ingest or a query that keeps a cache died with 'database is
    locked' (and once a whole source was lost). Now two ingests of both samples (one of them
    twice) take turns, queries answer meanwhile, and the store equals a sequential run."""
    sqlite_only(sample_store, "file locks (PostGIS: test_store_postgis.py's concurrent ingests)")
    db = tmp_path / "busy.gpkg"
    ingests = [spawn(db, "ingest", NZZ, str(SAMPLES / NZZ), "--workers", "2", commit_files=4, pause=0.05),
               spawn(db, "ingest", "deepstate", str(SAMPLES / "deepstate"), "--workers", "1", commit_files=4,
                     pause=0.05),
               spawn(db, "ingest", NZZ, str(SAMPLES / NZZ), "--workers", "1", commit_files=4, pause=0.02)]  # fmt: skip
    queries = []
    while any(p.poll() is None for p in ingests):
        if snapshot_count(db) > 0:
            queries.append(run_cli(db, "series", "--source", NZZ, "--format", "json"))
            queries.append(run_cli(db, "sources", "--format", "json"))
        time.sleep(0.2)
    outs = [(p.returncode, *(x.decode() for x in p.communicate())) for p in ingests]
    for code, _out, err in outs:
        assert code == 0 and "Traceback" not in err, err
    waited = [" ".join(err.split()) for _, _, err in outs if "waiting" in err]
    assert waited and all(w.startswith(f"note: another ingest into {db} is running (pid ") and
                          w.endswith("; waiting for it to finish") for w in waited), waited  # fmt: skip
    assert len(queries) >= 2
    for q in queries:
        assert "Traceback" not in q.stderr, q.stderr
        # an answer, or (before the first map of the source is in) a clear refusal
        assert q.returncode == 0 or q.stderr.startswith("Error: unknown source"), q.stderr
    assert store_rows(db) == store_rows(Path(sample_store.path))


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


@pytest.mark.parametrize("killed_at", [FAULT_DAY - 2, FAULT_DAY + 1, FAULT_DAY + 3])
def test_kill_9_mid_ingest_never_gives_a_wrong_number(tmp_path, faulty, killed_at):
    """Found by the adversarial run: quality checks ran only at the end, so an ingest
    killed halfway left the relabel fault reported as a Ukrainian gain (64,117 km² on the
    real data) until the next ingest. Now each group is committed with its checks, the
    killed ingest is marked unfinished and queries refuse until it is re-run; then the
    store is that of an uninterrupted run."""
    maps, reference = faulty
    db = tmp_path / "killed.gpkg"
    p = spawn(db, "ingest", NZZ, str(maps), "--workers", "1", commit_files=2, pause=0.15)
    try:
        assert wait_for(lambda: snapshot_count(db) >= killed_at)
        os.killpg(p.pid, signal.SIGKILL)
    finally:
        p.communicate()
    got = snapshot_count(db)
    assert killed_at <= got < len(list(maps.iterdir()))  # (killed midway)
    assert_flags_are_current(db)
    q = run_cli(db, "change", "-s", NZZ, "--from", fault_day(-1), "--to", fault_day(), "--format", "json")
    assert q.returncode == 1 and "Traceback" not in q.stderr
    assert q.stderr.strip().endswith(f"an ingest of {NZZ} started " + q.stderr.split("started ")[1].split(" did")[0]
                                      + f" did not finish (it was interrupted); run the ingest of {NZZ} again to "
                                      "finish it before querying it")  # fmt: skip
    again = run_cli(db, "ingest", NZZ, str(maps), "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert store_rows(db) == store_rows(reference)
    q = run_cli(db, "change", "-s", NZZ, "--from", fault_day(-1), "--to", fault_day(), "--format", "json")
    assert q.returncode == 0, q.stderr
    row = orjson.loads(q.stdout)
    assert row["to_snapshot"] == fault_day(-1)  # the faulty map is skipped ...
    assert row["ua_gain_km2"] == 0  # ... and no gain reported


def test_the_newest_map_with_a_fault_sized_jump_is_provisional(tmp_path, faulty):
    """A transient fault needs the next map to be recognised: until then the newest map is
    marked provisional and every answer that uses it says so (as after a daily update)."""
    maps, _ = faulty
    db = tmp_path / "daily.gpkg"
    files = sorted(maps.iterdir())
    with SQLiteStore(db) as s:
        ingest(s, NZZ, files[: FAULT_DAY + 1], workers=1)
        (newest,) = [r for r in s.snapshots(NZZ) if r.valid_date == fault_day()]
        assert [f["type"] for f in newest.flags] == ["provisional"]
    r = cli("change", "-s", NZZ, "--from", fault_day(-1), "--to", fault_day(), "--format", "json", db=db)
    row = orjson.loads(r.stdout)
    assert row["ua_gain_km2"] > 19_000
    assert any(n.startswith(f"provisional: the newest map ({fault_day()}) has an occupied area -") for n in row["notes"])
    r = cli("area", "-s", NZZ, "--on", fault_day(), db=db)
    assert "provisional: the newest map" in r.stderr
    with SQLiteStore(db) as s:  # the next map tells: a transient fault
        ingest(s, NZZ, files[FAULT_DAY + 1 :], workers=1)
        (rec,) = [r for r in s.snapshots(NZZ, usable_only=False) if r.valid_date == fault_day()]
        assert rec.excluded and [f["type"] for f in rec.flags] == ["transient"]


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


def test_ingest_adopts_a_foreign_file_only_when_asked(tmp_path):
    db = foreign_sqlite(tmp_path / "theirs.sqlite")
    r = cli("ingest", NZZ, str(SAMPLES / NZZ / "2022-09-08.json.gz"), "--adopt", "--workers", "1", db=db)
    assert r.exit_code == 0, r.output
    with SQLiteStore(db) as s:
        assert [r.valid_date for r in s.snapshots(NZZ)] == ["2022-09-08"]
        assert s.conn.execute("SELECT text FROM notes").fetchall()[0][0] == "keep me"


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


def test_an_immutable_store_is_queried(tmp_path, sample_store):
    """Found by the adversarial run: a store on a read-only mount or an immutable file was
    'not a Frontwatch store'."""
    sqlite_only(sample_store, "an immutable file")
    db = copy_store(sample_store, tmp_path / "ro.gpkg")
    with SQLiteStore(db) as s:
        s.conn.execute("DELETE FROM fw_steps")  # so that queries must compute (not keep) them
    before = db.read_bytes()
    with immutable(db):
        read_only_queries(db)
    assert db.read_bytes() == before


def test_a_store_on_a_read_only_mount_is_queried(tmp_path, sample_store):
    sqlite_only(sample_store, "a file on a read-only mount")
    folder = tmp_path / "data"
    folder.mkdir()
    copy_store(sample_store, folder / "store.gpkg")
    with read_only_mount(folder) as mounted:
        read_only_queries(mounted / "store.gpkg")


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


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL of the main process only"])
def test_no_worker_outlives_its_ingest(tmp_path, how):
    """Found by the adversarial run: after SIGTERM to an ingest (or kill -9 of the main
    process only) its workers lived on, holding the store and the caller's pipes."""
    db = tmp_path / "workers.gpkg"
    p = spawn(db, "ingest", NZZ, str(SAMPLES / NZZ), "--workers", "2", pause=0.5)
    try:
        assert wait_for(lambda: len(group_members(p.pid)) >= 3)  # the main process and 2 workers
        p.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
        code = p.wait(timeout=30)
        assert wait_for(lambda: group_members(p.pid) == [], timeout=10), group_members(p.pid)
    finally:
        for pid in group_members(p.pid):
            os.kill(pid, signal.SIGKILL)
    _, err = p.communicate()
    assert code == (143 if how == "SIGTERM" else -9)
    assert b"Traceback" not in err


# -- 5. decompression bombs --------------------------------------------------------------------

RSS_PROBE = """
import sys
from frontwatch.cli import main
try:
    main(sys.argv[1:], prog_name="frontwatch")
except SystemExit as exc:
    code = exc.code
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(peak * 1024, code, file=sys.stderr)
"""
"""The CLI, then its peak resident memory (bytes) and exit code on stderr. (VmHWM, not
getrusage's ru_maxrss: that one survives fork and exec, so a child of a big pytest process
would report the parent's peak.)"""


def gzip_bomb(path: Path, total_mb: int) -> Path:
    """``total_mb`` MB of zeros as gzip members of 64 MB each (about 1,000:1)."""
    member = gzip.compress(bytes(64 << 20), compresslevel=9, mtime=0)
    path.write_bytes(member * (total_mb // 64))
    return path


def test_a_2_gb_gzip_bomb_is_refused_in_bounded_memory(tmp_path):
    """Found by the adversarial run: a 2 MB gzip expanding to 2 GB was read whole (memory
    passed 4-6 GB before anything failed). Now it stops at the cap on one document."""
    bomb = gzip_bomb(tmp_path / "2022-09-08.json.gz", 2048)
    assert bomb.stat().st_size < 3_000_000
    cmd = [sys.executable, "-c", RSS_PROBE, "--db", str(tmp_path / "s.gpkg"), "ingest", NZZ, str(bomb)]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "COLUMNS": "300"})  # fmt: skip
    *lines, probe = r.stderr.strip().splitlines()
    rss, code = probe.split()
    assert code == "1" and "Traceback" not in r.stderr
    assert f"error: {bomb}: expands to more than 256 MB (the limit of one document;" in "\n".join(lines)
    assert int(rss) < 1.5e9


def test_the_cap_on_a_document_is_configurable_and_names_the_document(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTWATCH_MAX_DOCUMENT_MB", "10")
    gz = tmp_path / "2022-09-08.json.gz"
    gz.write_bytes(gzip.compress(b" " * 12_000_000 + b"{}"))
    # an ISW archive whose member expands past the cap (its header says so: not read)
    tar_path = tmp_path / "isw.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        info = tarfile.TarInfo("data/20230601.geojson")
        info.size = 11_000_000
        tar.addfile(info, io.BytesIO(b" " * info.size))
    # a revision archive with one line past the cap
    xz = tmp_path / "revisions.jsonl.xz"
    xz.write_bytes(lzma.compress(b"\n" + b" " * 11_000_000 + b"\n"))
    with SQLiteStore(tmp_path / "s.gpkg") as s:
        got = [ingest(s, src, [f], workers=1).errors for src, f in [(NZZ, gz), ("isw", tar_path), ("deepstate", xz)]]
    cap = ("expands to more than 10 MB (the limit of one document; raise it with --max-document-mb or "
           "$FRONTWATCH_MAX_DOCUMENT_MB if the file is genuine)")  # fmt: skip
    assert got == [[f"{gz}: {cap}"], [f"{tar_path}:data/20230601.geojson: {cap}"], [f"{xz} line 2: {cap}"]]
    monkeypatch.setenv("FRONTWATCH_MAX_DOCUMENT_MB", "13")  # the same gzip under a higher cap: read
    with SQLiteStore(tmp_path / "s.gpkg") as s:
        assert ingest(s, NZZ, [gz], workers=1).errors == [f"{gz}: expected an object with a 'value' FeatureCollection"]
    r = cli("ingest", NZZ, str(gz), "--max-document-mb", "1", db=tmp_path / "s.gpkg")
    assert r.exit_code == 1 and "expands to more than 1 MB" in r.stderr
    monkeypatch.setenv("FRONTWATCH_MAX_DOCUMENT_MB", "lots")
    r = cli("ingest", NZZ, str(gz), db=tmp_path / "s.gpkg")
    assert r.stderr == "Error: invalid FRONTWATCH_MAX_DOCUMENT_MB 'lots': expected a size in MB greater than 0\n"


def test_bounded_decompression_reads_several_members_and_refuses_truncation():
    from frontwatch.errors import InputFileError
    from frontwatch.sources._io import decompress

    data = gzip.compress(b"ab" * 1000) + gzip.compress(b"cd" * 1000)
    assert decompress("x.gz", data) == b"ab" * 1000 + b"cd" * 1000
    assert decompress("x.xz", lzma.compress(b"ef" * 1000)) == b"ef" * 1000
    with pytest.raises(InputFileError, match="is the file truncated"):
        decompress("x.gz", data[:-30])


# -- 8, 9. no tracebacks, and exit codes that say what happened ----------------------------------


@pytest.fixture(scope="module")
def nzz_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "nzz.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, [SAMPLES / NZZ], workers=1)
    return db


@pytest.mark.parametrize("args, message", [
    (["change", "--source", "nope", "--from", "2022-09-01", "--to", "2022-09-08"],
     "unknown source 'nope'; known sources: liveuamap-nzz"),
    (["top", "-s", NZZ, "--from", "2022-09-10", "--to", "2022-09-01"],
     "window ends (2022-09-01) before it starts (2022-09-10)"),
    (["top", "-s", NZZ, "--window", "99999999999d"],
     "Invalid value for --window: '99999999999d': a window is 1 to 36,525 days long"),
    (["area", "-s", NZZ, "--on", "9999-12-31"], "date 9999-12-31 is in the future (today is {today}, UTC): "
     "no map answers it"),
    (["change", "-s", NZZ, "--from", "2022-09-01", "--to", "2100-01-01"], "date 2100-01-01 is in the future "
     "(today is {today}, UTC): no map answers it"),
    (["area", "-s", NZZ, "--on", "0001-01-01"], "no liveuamap-nzz snapshot is valid on or before 0001-01-01; "
     "its first snapshot is of 2022-08-13"),
])  # fmt: skip
def test_bad_asks_are_clear_errors_with_a_non_zero_exit(nzz_db, args, message):
    """Found by the adversarial run: OverflowError tracebacks, and answers with exit 0 to an
    unknown source, a reversed window and a date in the future."""
    r = cli(*args, db=nzz_db)
    assert r.exit_code in (1, 2) and r.exception is None or isinstance(r.exception, SystemExit)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert r.stderr.rstrip("\n").splitlines()[-1] == f"Error: {message.format(today=today)}"


def test_an_impossible_date_in_an_archive_member_names_it_and_the_run_goes_on(tmp_path):
    """Found by the adversarial run: an ISW member dated 2023-02-31 ended the run with a
    traceback, and the files after it were never read."""
    bad = tmp_path / "a.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("data/20230231.geojson")
        body = b'{"type": "FeatureCollection", "features": []}'
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    good = tmp_path / "20230601.geojson"
    feature = {"type": "Feature", "properties": {"layer": "VIEW_RussiaCoTinUkraine_V3"},
               "geometry": box(36.5, 47.5, 37.5, 48.5).__geo_interface__}  # fmt: skip
    good.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": [feature]}))
    r = cli("ingest", "isw", str(bad), str(good), "--workers", "1", db=tmp_path / "s.gpkg")
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit)
    assert r.stderr.endswith(
        f"error: {bad}:data/20230231.geojson: no such date as 20230231 (the date in the member's name)\n"
    )
    with SQLiteStore(tmp_path / "s.gpkg") as s:
        assert [r.valid_date for r in s.snapshots("isw")] == ["2023-06-01"]


def test_a_file_name_with_bytes_not_utf8_and_control_characters(tmp_path):
    """Found by the adversarial run: a file name with non-UTF-8 bytes ended in a traceback,
    and control characters in names reached the terminal raw."""
    folder = tmp_path / "odd"
    folder.mkdir()
    name = os.fsdecode(b"2022-09-08-\xff\x1b[31mred.json.gz")
    (folder / name).write_bytes((SAMPLES / NZZ / "2022-09-08.json.gz").read_bytes())
    (folder / os.fsdecode(b"2022-09-09-\xfe\x07.json.gz")).write_bytes(b"x")
    db = tmp_path / "s.gpkg"
    r = subprocess.run([sys.executable, "-m", "frontwatch.cli", "--db", str(db), "ingest", NZZ, str(folder), "--workers",
                        "1"], cwd=ROOT, capture_output=True, timeout=120, env={**os.environ, "COLUMNS": "300"})  # fmt: skip
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    assert b"\x1b" not in r.stderr and b"\x07" not in r.stderr
    assert f"error: {folder}/2022-09-09-\\xfe\\x07.json.gz: cannot decompress".encode() in r.stderr
    with SQLiteStore(db) as s:
        (rec,) = s.snapshots(NZZ)
        assert rec.file == f"{folder}/2022-09-08-\\xff\x1b[31mred.json.gz"


def test_a_claims_file_with_a_bare_subject_is_a_clear_error(nzz_db, tmp_path):
    claims = tmp_path / "claims.json"
    claims.write_bytes(orjson.dumps([{"kind": "area_change", "subject": "UA",
                                      "quantity": {"value": 1000, "unit": "km2"}}]))  # fmt: skip
    r = cli("check", str(claims), "--published", "2022-09-10", db=nzz_db)
    assert r.exit_code == 1
    assert r.stderr == ("Error: claim 0 (counted from 0): invalid claim subject 'UA': expected a mapping such as "
                        '{"side": "UA", "place": "Kupiansk"}\n')  # fmt: skip


def test_a_full_disk_is_a_clear_error(tmp_path):
    """Found by the adversarial run: a full disk ended in a traceback."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                                            capture_output=True).returncode != 0:  # fmt: skip
        pytest.skip("mounting a small tmpfs needs root")
    try:
        r = cli("ingest", NZZ, str(SAMPLES / NZZ), "--workers", "1", db=disk / "s.gpkg")
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: ") and ("full" in r.stderr or "No space left" in r.stderr), r.stderr


def test_a_map_older_than_max_lag_is_an_error_naming_the_nearest_maps(tmp_path, faulty):
    """Found by the adversarial run: a date in a gap of a history (ISW has none from 2022-12
    to 2023-04) or past a source's last map was answered with a months-old map and exit 0."""
    maps, _ = faulty
    files = sorted(maps.iterdir())
    db = tmp_path / "gap.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, files[:3] + files[12:], workers=1)  # maps of 12-01..03 and 12-13..14
    r = cli("area", "-s", NZZ, "--on", "2023-12-11", db=db)
    assert r.exit_code == 1
    assert r.stderr == ("Error: no liveuamap-nzz map within 7 days before 2023-12-11: the nearest are of "
                        "2023-12-03 and 2023-12-13 (--max-lag sets the days allowed)\n")  # fmt: skip
    r = cli("area", "-s", NZZ, "--on", "2023-12-30", db=db)
    assert r.stderr == ("Error: no liveuamap-nzz map within 7 days before 2023-12-30: its last is of "
                        "2023-12-14 (--max-lag sets the days allowed)\n")  # fmt: skip
    r = cli("--max-lag", "10", "area", "-s", NZZ, "--on", "2023-12-11", "--format", "json", db=db)
    assert r.exit_code == 0 and orjson.loads(r.stdout)["lag_days"] == 8
    r = cli("change", "-s", "all", "--from", "2023-12-01", "--to", "2023-12-11", "--format", "json", db=db)
    assert r.exit_code == 0  # under --source all it is that source's row
    assert orjson.loads(r.stdout)[0]["error"].startswith("no liveuamap-nzz map within 7 days before 2023-12-11")


# -- 10. the same bytes under another date-bearing name ------------------------------------------


def test_the_same_bytes_under_another_date_are_a_map_of_that_date(tmp_path):
    """Found by the adversarial run: a DeepState daily file copied under the next day's name
    (the map did not change overnight) was an alias, and the new date was lost; with
    --max-lag, a week of unchanged maps would then have been refused as stale. A liveuamap
    file, dated by its content, stays an alias."""
    first = sorted((SAMPLES / "deepstate").iterdir())[0]
    day = dt.datetime.strptime(first.name[18:26], "%Y%m%d").date()
    folder = tmp_path / "ds"
    folder.mkdir()
    names = [f"deepstatemap_data_{(day + dt.timedelta(days=k)).strftime('%Y%m%d')}.geojson.gz" for k in range(3)]
    for name in names:
        (folder / name).write_bytes(first.read_bytes())
    nzz = tmp_path / "nzz"
    nzz.mkdir()
    for name in ("2022-09-08.json.gz", "2022-09-09.json.gz"):
        (nzz / name).write_bytes((SAMPLES / NZZ / "2022-09-08.json.gz").read_bytes())
    with SQLiteStore(tmp_path / "s.gpkg") as s:
        got = ingest(s, "deepstate", [folder], workers=1)
        assert (got.added, got.unchanged_files, got.errors) == (3, 0, [])
        recs = s.snapshots("deepstate")
        assert [r.valid_date for r in recs] == [(day + dt.timedelta(days=k - 1)).isoformat() for k in range(3)]
        assert len({r.geom_hash for r in recs}) == 1 and [r.file.rsplit("/", 1)[1] for r in recs] == names
        (row,) = s.conn.execute("SELECT snapshot_ids FROM fw_files").fetchall()
        assert orjson.loads(row[0]) == [r.id for r in recs]
        again = ingest(s, "deepstate", [folder], workers=1)  # the same names again: a no-op
        assert (again.added, again.unchanged_files) == (0, 3)
        assert len(s.snapshots("deepstate", usable_only=False)) == 3
        got = ingest(s, NZZ, [nzz], workers=1)
        assert (got.added, got.unchanged_files) == (1, 1)
        (rec,) = s.snapshots(NZZ)
        assert [a["file"] for a in rec.aliases] == [str(nzz / "2022-09-09.json.gz")]


# -- 10. a GeoJSON crs member, a polygon of the world -------------------------------------


def user_file(path: Path, geom, crs: dict | None = None) -> Path:
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                      "geometry": geom.__geo_interface__}]}  # fmt: skip
    if crs is not None:
        doc["crs"] = crs
    path.write_bytes(orjson.dumps(doc))
    return path


def test_a_geojson_crs_member_is_honoured(tmp_path):
    """Found by the adversarial run: a GeoJSON ``crs`` member was ignored (coordinates in
    Web Mercator were read as degrees), and GDAL's CRS was recognised by looking for "4326"
    in its text. WGS84 in any spelling is read; another CRS is a clear error, or, for a file
    read through GDAL (GeoPackage, Shapefile), reprojected."""
    import pyogrio
    import shapely
    from pyproj import Transformer

    from frontwatch.boundaries import clip_outline
    from tests.conftest import equal_area_km2

    held = box(37.0, 47.5, 38.0, 48.2)
    expected = equal_area_km2(held.intersection(clip_outline()))
    db = tmp_path / "s.gpkg"
    named = lambda name: {"type": "name", "properties": {"name": name}}  # noqa: E731
    ok = {"plain": None, "crs84": named("urn:ogc:def:crs:OGC:1.3:CRS84"), "epsg4326": named("urn:ogc:def:crs:EPSG::4326"),
          "code": {"type": "EPSG", "properties": {"code": 4326}}}  # fmt: skip
    for name, crs in ok.items():
        f = user_file(tmp_path / f"{name}.geojson", held, crs)
        r = cli("ingest", "geojson", str(f), "--date", "2024-05-01", "--name", name, db=db)
        assert r.exit_code == 0, r.stderr
    to_merc = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)
    merc = shapely.transform(held, lambda xy: np.column_stack(to_merc.transform(xy[:, 0], xy[:, 1])))
    bad = {"merc": (named("urn:ogc:def:crs:EPSG::3857"), "its coordinates are in WGS 84 / Pseudo-Mercator "
                    "(urn:ogc:def:crs:EPSG::3857), not WGS84 longitude/latitude: reproject it (e.g. ogr2ogr "
                    "-t_srs OGC:CRS84 out.geojson in.geojson) and ingest again"),
           "nosuch": (named("EPSG:999999"), "its 'crs' member names an unknown coordinate system 'EPSG:999999'"),
           "link": ({"type": "link", "properties": {"href": "x"}}, "its 'crs' member \"{'type': 'link', "
                    "'properties': {'href': 'x'}}\" names no coordinate system this tool reads (expected "
                    "{\"type\": \"name\", \"properties\": {\"name\": ...}})")}  # fmt: skip
    for name, (crs, message) in bad.items():
        f = user_file(tmp_path / f"{name}.geojson", merc, crs)
        r = cli("ingest", "geojson", str(f), "--date", "2024-05-01", "--name", name, db=db)
        assert r.exit_code == 1 and r.stderr == f"error: {f}: {message}\n"
    gpkg = tmp_path / "merc.gpkg"  # through GDAL: reprojected by pyproj
    import geopandas as gpd

    pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[merc], crs="EPSG:3857"), gpkg)
    assert cli("ingest", "geojson", str(gpkg), "--date", "2024-05-01", "--name", "gdal", db=db).exit_code == 0
    with SQLiteStore(db) as s:
        got = {n: s.snapshots(n)[0].occupied_km2 for n in [*ok, "gdal"]}
        assert sorted(s.source_names()) == sorted([*ok, "gdal"])
    assert got == {n: pytest.approx(expected, rel=1e-4) for n in got}


def test_a_polygon_of_the_whole_world_is_refused(tmp_path):
    """Found by the adversarial run: a polygon of the whole world was stored as 106% of
    Ukraine. An occupied layer of 90% of Ukraine or more is refused; above half, it is kept
    with a plausibility warning. The areas named are checked against a second geodesic
    method."""
    from frontwatch.boundaries import clip_outline
    from tests.conftest import equal_area_km2

    outline = clip_outline()
    db = tmp_path / "s.gpkg"
    world = user_file(tmp_path / "world.geojson", box(-180, -89, 180, 89))
    r = cli("ingest", "geojson", str(world), "--date", "2024-05-01", db=db)
    assert r.exit_code == 1
    m = re.fullmatch(rf"error: {world}: the occupied layer covers ([\d,]+) km² after clipping to Ukraine's outline, "
                     r"(\d+)% of Ukraine's 603,628 km²: not a plausible control map \(a polygon of the whole world "
                     r"or of the country\? check which features mark occupied ground\)\n", r.stderr)  # fmt: skip
    assert m, r.stderr
    whole = equal_area_km2(outline)
    assert float(m[1].replace(",", "")) == pytest.approx(whole, rel=1e-3) and int(m[2]) == round(100 * whole / 603_628)
    with SQLiteStore(db) as s:
        assert s.snapshots(usable_only=False) == []
    west = user_file(tmp_path / "west.geojson", box(22, 44, 33, 53))
    r = cli("ingest", "geojson", str(west), "--date", "2024-05-01", "--format", "json", db=db)
    assert r.exit_code == 0
    (note,) = [w for w in orjson.loads(r.stdout)["warnings"] if "plausibility" in w]
    km2 = equal_area_km2(box(22, 44, 33, 53).intersection(outline))
    got = float(re.search(r"covers ([\d,]+) km²", note)[1].replace(",", ""))
    assert got == pytest.approx(km2, rel=1e-3) and note.endswith(
        "of Ukraine's 603,628 km², more than the largest real maps (about a quarter)"
    )


def test_sources_shows_unfinished_ingests(tmp_path, faulty):
    """``sources`` lists an ingest that was interrupted (the mark a killed ingest leaves, see
    the kill -9 test), also of a source with no map yet, and tells a running one apart."""
    maps, _ = faulty
    db = tmp_path / "s.gpkg"
    with SQLiteStore(db) as s:
        ingest(s, NZZ, sorted(maps.iterdir())[:3], workers=1)
        with s.transaction():
            s.conn.executemany("INSERT INTO fw_ingests VALUES (?, ?, ?, ?)",
                               [(NZZ, "2026-01-01T00:00:00+00:00", 4242, "box"),
                                ("isw", "2026-01-02T00:00:00+00:00", 4343, "box")])  # fmt: skip
    r = cli("sources", "--format", "json", db=db)
    rows = {row["source"]: row for row in orjson.loads(r.stdout)}
    assert rows["isw"]["snapshots"] == 0 and rows[NZZ]["snapshots"] == 3
    assert rows["isw"]["unfinished_ingest"] == (
        "an ingest started 2026-01-02T00:00:00+00:00 (pid 4343 on box) did not finish (it was interrupted): "
        "answers from isw are refused until it is run again (or frontwatch remove --source isw --all)"
    )
    r = cli("sources", db=db)
    assert r.exit_code == 0 and (f"unfinished: {NZZ}: an ingest started 2026-01-01T00:00:00+00:00 (pid 4242 on "
                                 "box) did not finish (it was interrupted)") in r.stderr  # fmt: skip
    fd = os.open(f"{db}-ingest.lock", os.O_RDWR | os.O_CREAT)
    try:  # an ingest of isw holds the lock now
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"pid 4343 on box, since 2026-01-02T00:00:00+00:00", 0)
        with SQLiteStore(db) as s:
            marks = s.unfinished_ingests()
        assert (marks["isw"]["running"], marks[NZZ]["running"]) == (True, False)
    finally:
        os.close(fd)
