"""Adapter for the NZZ war map scrape (polygons from liveuamap): one file, one snapshot.

Each file is ``{"value": FeatureCollection}`` with features typed ``nochange`` (held by
Russia, unchanged in the window), ``gains`` (taken by Russia in the window) and ``losses``
(lost by Russia in the window). Held area = ``nochange`` ∪ ``gains``; ``losses`` is not
held. The snapshot is valid on the map's ``_dateto`` (``date`` where there is none); the
file's own date is the scrape date.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputFileError
from ..store.model import OCCUPIED, RawSnapshot, layer_keys
from ._io import decompress, end_of_day, features
from .contract import no_reconciliation

NAME = "liveuamap-nzz"
TITLE = "liveuamap via the NZZ war map"
ATTRIBUTION = "liveuamap (via NZZ, scraped by conflict-investigations/nzz-maps)"
COVERAGE_NOTE = "leaves out Crimea; leaves out the areas held since 2014 from March 2024 on"
LAYERS = {"nochange": OCCUPIED, "gains": "gains", "losses": "losses"}
LAYER_HELP = {
    "gains": "taken by Russia in the map's window",
    "losses": "lost by Russia (gained by Ukraine) in the map's window",
}
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def accepts(path: Path) -> bool:
    return path.name.endswith((".json", ".json.gz", ".json.xz"))


def is_archive(path: Path) -> bool:
    """Whether a file holds many maps (streamed) rather than one."""
    return False


def read(path: Path, data: bytes) -> list[RawSnapshot]:
    """The snapshot in one NZZ file."""
    found = features(path, decompress(path, data), "value")
    layers: dict[str, list] = {OCCUPIED: [], "gains": [], "losses": []}
    digests: dict[str, list] = {name: [] for name in layers}
    dates: dict[str, str | None] = {}
    for props, geom, digest in found:
        kind = props.get("type")
        if kind not in LAYERS:
            raise InputFileError(str(path), f"feature type {kind!r} is not one of nochange, gains, losses")
        for key in ("date", "_datefrom", "_dateto"):
            if props.get(key) and not dates.get(key):
                dates[key] = props[key]
        if geom is not None:
            for name in (LAYERS[kind], OCCUPIED) if kind == "gains" else (LAYERS[kind],):
                layers[name].append(geom)
                digests[name].append(digest)
    valid = dates.get("_dateto") or dates.get("date")
    if not valid:
        m = _DATE.search(path.name)
        if not m:
            raise InputFileError(str(path), "no _dateto or date property and no date in the name")
        valid = m.group(1)
    m = _DATE.search(path.name)
    scrape = m.group(1) if m else None
    dates["file_date"] = scrape
    try:
        valid_time = end_of_day(valid)
    except ValueError as exc:
        raise InputFileError(str(path), f"bad map date {valid!r}") from exc
    return [
        RawSnapshot(
            source=NAME,
            valid_time=valid_time,
            layers=layers,
            file=str(path),
            source_dates=dates,
            kind="file",
            priority=scrape or valid,
            layer_keys=layer_keys(digests),
        )
    ]


reconcile_day = no_reconciliation
"""One map a valid time: nothing to reconcile within a day (the adapter contract's hook)."""
