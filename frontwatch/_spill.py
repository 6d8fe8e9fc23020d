"""An archive's validated maps held on disk, not in memory, until the archive is committed.

An archive (ISW's yearly tarball, DeepState's revision history) is committed whole, so that
a failed or interrupted file leaves the store as it was; its maps wait in the main process
until the last one is validated. Their encoded layers are what weighs: ISW's 2022 archive
holds about 800 MB of them. :class:`BlobSpill` keeps the first ``budget_bytes`` in memory
and writes the rest to an anonymous temporary file (in ``TMPDIR``), read back layer by
layer when the store writes them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO

from .store.model import ValidSnapshot

SPILL_BYTES = 128 * 1024 * 1024
"""Encoded layers an archive keeps in memory before the rest go to disk."""


class _Spilled(Mapping[str, bytes]):
    """A snapshot's encoded layers, read from the spill file on access."""

    def __init__(self, fd: int, where: dict[str, tuple[int, int]]) -> None:
        self._fd, self._where = fd, where

    def __getitem__(self, name: str) -> bytes:
        offset, size = self._where[name]
        return os.pread(self._fd, size, offset)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class BlobSpill:
    """Holds validated snapshots of archives, moving their encoded layers to a temporary
    file once more than ``budget_bytes`` are held (see the module's docstring)."""

    def __init__(self, budget_bytes: int | None = None) -> None:
        self.budget_bytes = SPILL_BYTES if budget_bytes is None else budget_bytes
        self.held_bytes = 0
        self.spilled_bytes = 0
        self._file: IO[bytes] | None = None

    def keep(self, snap: ValidSnapshot) -> ValidSnapshot:
        """``snap``, its layers in memory while the budget lasts, else on disk."""
        blobs = snap.blobs()
        size = sum(len(b) for b in blobs.values())
        if self.held_bytes + size <= self.budget_bytes:
            self.held_bytes += size
            return snap
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="frontwatch-spill-")
        where: dict[str, tuple[int, int]] = {}
        for name, blob in blobs.items():
            where[name] = (self.spilled_bytes, len(blob))
            self._file.write(blob)
            self.spilled_bytes += len(blob)
        self._file.flush()
        snap.encoded = _Spilled(self._file.fileno(), where)
        snap.shared_blobs = None
        return snap

    def archive_done(self) -> None:
        """An archive's maps were handed over for commit: the next archive starts its own
        budget (what was spilled stays readable until :meth:`close`)."""
        self.held_bytes = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> BlobSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
