"""Source adapters, one module per format, and their registry.

Each adapter module has ``NAME``, ``TITLE``, ``ATTRIBUTION``, ``COVERAGE_NOTE``,
``LAYER_HELP``, ``accepts(path)`` (which files of a folder it reads), ``is_archive(path)``,
``read(path, data)`` yielding :class:`~frontwatch.store.model.RawSnapshot` and
``reconcile_day(store, winners)``: the contract :class:`~.contract.SourceAdapter`, which
mypy checks every module of :data:`ADAPTERS` against.
"""

from __future__ import annotations

from ..errors import UnknownSource
from ..store.model import SourceInfo
from . import deepstate, geojson, isw, liveuamap_nzz
from .contract import SourceAdapter

_ALL: tuple[SourceAdapter, ...] = (liveuamap_nzz, deepstate, isw, geojson)  # (checked by mypy)
ADAPTERS: dict[str, SourceAdapter] = {m.NAME: m for m in _ALL}


def adapter(name: str) -> SourceAdapter:
    """The adapter module for a source name."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UnknownSource(name, sorted(ADAPTERS)) from None


def stored_adapter(source: str) -> SourceAdapter:
    """The adapter of a source as the store names it (a user's map, ingested under a name of
    its own: the ``geojson`` adapter)."""
    return ADAPTERS.get(source, geojson)


def credit(source: str) -> SourceInfo:
    """Title, attribution and coverage note of a source (user sources: the geojson ones), as
    the ingest records them in the store (queries read them there:
    :meth:`frontwatch.store.Store.source_info`)."""
    mod = stored_adapter(source)
    return SourceInfo(title=mod.TITLE, attribution=mod.ATTRIBUTION, coverage=mod.COVERAGE_NOTE)
