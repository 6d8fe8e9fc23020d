"""The work of an ingest, file by file, as typed items: what :func:`work_items` yields for
the ingest's pipeline (:class:`frontwatch.ingest._Pipeline`) to give to its workers and
commit in file order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputFileError
from .sources._io import check_document_size, max_document_bytes
from .sources.contract import SourceAdapter
from .store import Store
from .store.model import RawSnapshot


@dataclass(frozen=True)
class Failed:
    """A file that cannot be read, or an archive whose reading failed (none of it is kept)."""

    path: Path
    error: InputFileError


@dataclass(frozen=True)
class Known:
    """Bytes stored before (``in_run``: earlier in this run): an alias of their maps, or a
    map of another date (:func:`frontwatch.ingest._duplicate_file`)."""

    path: Path
    sha: str
    data: bytes
    in_run: bool


@dataclass(frozen=True)
class OneMap:
    """A one-map file: read, parsed and validated in a worker, with its neighbours."""

    path: Path
    sha: str
    size: int


@dataclass(frozen=True)
class ArchiveMap:
    """One map of an archive read here (streamed), validated in a worker."""

    path: Path
    sha: str
    raw: RawSnapshot


@dataclass(frozen=True)
class ArchiveEnd:
    """The end of an archive whose maps were all read: the file is committed."""

    path: Path
    sha: str
    size: int


Item = Failed | Known | OneMap | ArchiveMap | ArchiveEnd


def work_items(store: Store, mod: SourceAdapter, files: list[Path], options: dict) -> Iterator[Item]:
    """The work of each file, in order: a :class:`Failed`, a :class:`Known`, a
    :class:`OneMap`, or an archive's :class:`ArchiveMap` items then its
    :class:`ArchiveEnd` (or a :class:`Failed`)."""
    seen: dict[str, Path] = {}
    limit = max_document_bytes()
    for path in files:
        try:
            if not mod.is_archive(path):  # (an archive is capped member by member)
                check_document_size(path, path.stat().st_size, limit)
            data = path.read_bytes()
        except InputFileError as exc:
            yield Failed(path, exc)
            continue
        except OSError as exc:
            yield Failed(path, InputFileError(str(path), f"cannot read ({exc.strerror or exc})"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        if sha in seen or store.file_record(sha):
            yield Known(path, sha, data, in_run=sha in seen)
            continue
        seen[sha] = path
        if not mod.is_archive(path):
            yield OneMap(path, sha, len(data))
            continue
        try:
            for raw in mod.read(path, data, **options):
                yield ArchiveMap(path, sha, raw)
        except InputFileError as exc:
            yield Failed(path, exc)
            continue
        except Exception as exc:  # (one odd archive must not sink the other files)
            yield Failed(path, InputFileError(str(path), f"cannot be read ({type(exc).__name__}: {exc})"))
            continue
        yield ArchiveEnd(path, sha, len(data))
