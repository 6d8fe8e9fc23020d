"""Opening a store file without changing it: what the file is (new, a Frontwatch store,
another tool's file, a newer store) is read before anything is written, and a file that
cannot be written is opened read-only."""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotAStore, StoreVersionError
from .migrations import LATEST, READABLE_FROM

SQLITE_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_ID = 0x47504B47  # 'GPKG'


@dataclass
class StoreFile:
    """What a store path holds."""

    path: Path
    kind: str
    """``new`` (missing, empty, or SQLite with no tables yet), ``frontwatch`` or ``foreign``."""
    schema: int = 0
    """The highest schema version (migration) recorded; 0 when none."""
    tables: tuple[str, ...] = ()
    writable: bool = True

    def describe(self) -> str:
        """What a foreign file is, in words."""
        shown = ", ".join(self.tables[:6]) + (", ..." if len(self.tables) > 6 else "")
        if "gpkg_contents" in self.tables:
            return f"a GeoPackage of another tool (tables: {shown})"
        return f"an SQLite database of another tool (tables: {shown})"


def inspect_store_file(path: Path) -> StoreFile:
    """What ``path`` holds, read without writing to it.

    Raises :class:`NotAStore` for a file that is not SQLite at all; a foreign SQLite file is
    returned as ``foreign`` (the caller refuses it or, asked to, adopts it)."""
    if not path.exists():
        return StoreFile(path, "new", writable=_dir_writable(path))
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise NotAStore(str(path), f"it cannot be read ({exc.strerror or exc})") from None
    writable = is_writable(path)
    if not head:
        return StoreFile(path, "new", writable=writable)
    if not head.startswith(SQLITE_MAGIC):
        raise NotAStore(str(path), "not an SQLite file")
    conn = connect_for_reading(path) if writable else connect_read_only(path)
    try:
        tables = tuple(sorted(r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")))  # fmt: skip
        schema = 0
        if "fw_migrations" in tables and "fw_snapshots" in tables:
            schema = conn.execute("SELECT coalesce(max(version), 0) FROM fw_migrations").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise NotAStore(str(path), f"an SQLite file that cannot be read ({exc})") from None
    finally:
        conn.close()
    if set(tables) <= {"fw_migrations"}:  # nothing in it yet: a store being created (by
        return StoreFile(path, "new", tables=tables, writable=writable)  # another ingest, say)
    kind = "frontwatch" if schema else "foreign"
    return StoreFile(path, kind, schema=int(schema), tables=tables, writable=writable)


def check_schema(info: StoreFile) -> None:
    """Refuse a store of a newer schema, or an older one that cannot be upgraded here."""
    if info.schema > LATEST:
        raise StoreVersionError(
            str(info.path), info.schema, LATEST,
            f"newer than this version of Frontwatch reads (up to {LATEST}): upgrade Frontwatch "
            "to use this store",
        )  # fmt: skip
    if info.schema < READABLE_FROM and not info.writable:
        raise StoreVersionError(
            str(info.path), info.schema, LATEST,
            f"older than this version of Frontwatch reads ({READABLE_FROM}), and the file is "
            "read-only: "
            "open it once where it can be written to upgrade it",
        )  # fmt: skip


def is_writable(path: Path) -> bool:
    """Whether the file and its folder can be written (a SQLite store in WAL mode writes
    beside the file). Tried, not derived from permission bits: root passes those, but not a
    read-only mount or an immutable file."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ETXTBSY):
            return False
        raise
    os.close(fd)
    return _dir_writable(path)


def _dir_writable(path: Path) -> bool:
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return os.access(parent, os.W_OK)


def connect_read_only(path: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro``, else ``immutable=1`` where SQLite cannot even
    take its read locks (a read-only mount, an immutable file, a folder it cannot write
    its shared-memory file in)."""
    uri = path.absolute().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None,
                           check_same_thread=False)  # fmt: skip
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout, isolation_level=None,
                           check_same_thread=False)  # fmt: skip


def connect_for_reading(path: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection to a file that can be written which writes nothing to the file or its
    WAL. A read-write connection that closes last checkpoints the WAL into the file (the
    same data, other bytes); a read-only one does not, but leaves an empty WAL beside a
    file in WAL mode that had none. So: read-only (``mode=ro``) where a WAL is there, else
    read-write in ``query_only`` mode (its WAL, made on opening, is removed on closing)."""
    if Path(f"{path}-wal").exists():
        conn = connect_read_only(path, timeout=timeout)
    else:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn
