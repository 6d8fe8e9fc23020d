"""Source adapters, one module per format, and their registry.

Each adapter module has ``NAME``, ``TITLE``, ``ATTRIBUTION``, ``COVERAGE_NOTE``,
``LAYER_HELP``, ``accepts(path)`` (which files of a folder it reads) and
``read(path, data)`` yielding :class:`~frontwatch.store.model.RawSnapshot`.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import UnknownSource
from . import deepstate, geojson, isw, liveuamap_nzz

ADAPTERS: dict[str, ModuleType] = {
    m.NAME: m for m in (liveuamap_nzz, deepstate, isw, geojson)
}


def adapter(name: str) -> ModuleType:
    """The adapter module for a source name."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UnknownSource(name, sorted(ADAPTERS)) from None


def describe(source: str) -> dict[str, str]:
    """Title, attribution and coverage note of a source (user sources: the geojson ones)."""
    mod = ADAPTERS.get(source, geojson)
    return {"title": mod.TITLE, "attribution": mod.ATTRIBUTION, "coverage": mod.COVERAGE_NOTE}
