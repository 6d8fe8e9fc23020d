"""Frontwatch: territorial-control maps of the war in Ukraine as numbers with provenance."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .areas import area_on, series
from .changes import change_between, compare_sources, top_windows
from .errors import FrontwatchError
from .export import snapshots
from .ingest import ingest
from .inventory import sources_summary
from .store import SQLiteStore, open_store

__all__ = [
    "FrontwatchError", "SQLiteStore", "area_on", "change_between", "compare_sources", "ingest",
    "open_store", "series", "snapshots", "sources_summary", "top_windows",
]  # fmt: skip
try:
    __version__ = _version("frontwatch")  # the one version: pyproject.toml's
except PackageNotFoundError:  # pragma: no cover - run from a source tree that is not installed
    __version__ = "0+unknown"
