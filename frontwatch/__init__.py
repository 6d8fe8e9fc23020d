"""Frontwatch: territorial-control maps of the war in Ukraine as numbers with provenance.

The public API (pinned by ``tests/test_api.py``; units and CRS in ``docs/api.md``): open a
store, ingest or update it, and ask it areas, changes, places, distances, advances, the
line of contact, rankings and claims. Areas are geodesic km² on the WGS84 ellipsoid,
distances geodesic km, geometries WGS84 lon/lat (EPSG:4326); every result carries its
source, snapshot dates and lag.
"""

import sys
import types
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from typing import TYPE_CHECKING

from .advance import (
    Advance,
    DepthWindow,
    Distance,
    Since,
    SinceWindow,
    depth_windows,
    distance_series,
    distance_to_other_side,
    since,
)  # fmt: skip
from .areas import Area, SeriesRow, area_on, series
from .changes import (
    Change,
    OblastChange,
    RankedWindow,
    UnansweredChange,
    change_between,
    compare_sources,
    top_windows,
)  # fmt: skip
from .errors import FrontwatchError
from .frontline import Front, front_on
from .gazetteer import AmbiguousPlace, Place, PlaceNotFound, resolve, resolve_one
from .inventory import SourceSummary, sources_summary
from .results import Result
from .settlements import (
    AllPlaces,
    ChangedPlaces,
    OblastCount,
    PlaceChange,
    PlaceControl,
    PlaceHistory,
    PlaceSides,
    RaionCount,
    SideChange,
    all_places,
    changed_places,
    place_control,
    place_history,
)  # fmt: skip
from .store import SQLiteStore, Store, open_store

if TYPE_CHECKING:  # to a type checker `frontwatch.ingest(...)` is the function it calls
    from .ingest import ingest
else:
    from . import ingest

__all__ = [
    "AmbiguousPlace", "Claim", "FrontwatchError", "Place", "PlaceNotFound", "SQLiteStore", "Store",
    # the typed results (frozen dataclasses; ``as_dict()`` is the CLI's JSON)
    "Advance", "AllPlaces", "Area", "Change", "ChangedPlaces", "DepthWindow", "Distance", "Front", "OblastChange",
    "OblastCount", "PlaceChange", "PlaceControl", "PlaceHistory", "PlaceSides", "RaionCount", "RankedWindow",
    "Result", "SeriesRow", "SideChange", "Since", "SinceWindow", "SourceSummary", "UnansweredChange",
    "all_places", "area_on", "change_between", "changed_places", "check_file", "compare_sources",
    "depth_windows", "distance_series", "distance_to_other_side", "extract_claims", "front_on", "ingest",
    "open_store", "place_control", "place_history", "resolve", "resolve_one", "series", "since",
    "snapshots", "sources_summary", "to_geodataframe", "top_windows", "update", "verify",
]  # fmt: skip

_LAZY = {
    "Claim": "frontwatch.claims", "extract_claims": "frontwatch.claims", "check_file": "frontwatch.claims.check",
    "verify": "frontwatch.claims.verify", "snapshots": "frontwatch.export", "update": "frontwatch.fetch",
    "to_geodataframe": "frontwatch.geoframe",
}  # fmt: skip
"""Names loaded on first use (PEP 562): the claims, export and fetch machinery is not imported
by commands that do not use it."""


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'frontwatch' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """``frontwatch.ingest`` is the module (``import frontwatch.ingest as m`` gives it, as
    for every other module) and, called, its function :func:`frontwatch.ingest.ingest`, so
    that ``frontwatch.ingest(store, source, paths)`` works too."""

    def __call__(self, *args, **kwargs):
        return self.ingest(*args, **kwargs)


sys.modules[f"{__name__}.ingest"].__class__ = _CallableModule

try:
    __version__ = _version("frontwatch")  # the one version: pyproject.toml's
except PackageNotFoundError:  # pragma: no cover - run from a source tree that is not installed
    __version__ = "0+unknown"
