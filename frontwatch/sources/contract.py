"""The adapter contract: what every source adapter module provides (a ``Protocol``).

An adapter is a module (``frontwatch.sources.deepstate``...); the registry
(:data:`frontwatch.sources.ADAPTERS`) lists each one as a :class:`SourceAdapter`, so mypy
checks every adapter module against this contract.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from ..store import Store
from ..store.model import RawSnapshot, SnapshotRecord


class SourceAdapter(Protocol):
    """A source's adapter: its names and credit, which files it reads, how it reads them, and
    how the maps of one day that it gives more than once are reconciled."""

    @property
    def NAME(self) -> str:
        """The source name (``deepstate``), the one ``ingest SOURCE`` takes."""

    @property
    def TITLE(self) -> str: ...

    @property
    def ATTRIBUTION(self) -> str:
        """The credit to show wherever the source's numbers are shown."""

    @property
    def COVERAGE_NOTE(self) -> str: ...

    @property
    def LAYER_HELP(self) -> Mapping[str, str]:
        """The source's own layers (besides ``occupied``) and what each means."""

    def accepts(self, path: Path, /) -> bool:
        """Whether a file of a folder is one this adapter reads."""

    def is_archive(self, path: Path, /) -> bool:
        """Whether a file holds many maps (streamed, capped member by member) rather than
        one (read whole, in a worker)."""

    def read(self, path: Path, data: bytes, /) -> Iterable[RawSnapshot]:
        """The snapshots in a file's bytes (``path`` names it in messages); the adapter's
        own options (the ``geojson`` adapter's ``date``, ``source``...) come as keywords.
        A bad file raises :class:`frontwatch.errors.InputFileError`."""

    def reconcile_day(self, store: Store, winners: list[SnapshotRecord], /) -> int:
        """After an ingest or a removal touched a day: given the day's snapshots that won
        their valid time (by priority), mark those that another of the same day replaces
        as superseded (``store.update_snapshot(id, superseded_by=...)``); returns how many
        were newly superseded. (DeepState: a revision replaces the daily mirror's file.)"""


def no_reconciliation(store: Store, winners: list[SnapshotRecord], /) -> int:
    """:meth:`SourceAdapter.reconcile_day` for a source whose maps of one day never replace
    each other beyond their valid time."""
    return 0
