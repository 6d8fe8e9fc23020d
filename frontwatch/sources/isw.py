"""Adapter for the Institute for the Study of War's daily layers (Nikkei's archives).

Two archive layouts, both read as streams:

- ``geoJSON/2022/<Month>/<Layer>/YYYYMMDD_<Layer>.geojson``: one layer a file;
- ``data/YYYYMMDD.geojson``: all layers of a day, named by a ``layer`` property (Japanese
  labels until 2023-05-19, then ISW's service names). The file name is the map date.

Assessed Russian control is the occupied area; the claimed layers (Russian claimed
control, Ukrainian claimed counteroffensives), the assessed advances and reported partisan
warfare are kept as named layers: claims, not control.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import shapely

from ..errors import InputFileError
from ..store.model import OCCUPIED, RawSnapshot
from ._io import (
    check_document_size,
    decompress,
    end_of_day,
    features,
    max_document_bytes,
)
from .contract import no_reconciliation

NAME = "isw"
TITLE = "Institute for the Study of War (assessed control)"
ATTRIBUTION = "ISW / AEI Critical Threats map data, via Nikkei Visual Data Journalism"
COVERAGE_NOTE = "all of Ukraine, Crimea and the areas held since 2014 included"
LAYER_HELP = {
    "russian_assessed_advance": "assessed Russian advances",
    "russian_claimed_control": "Russian claimed control (a claim, not control)",
    "ukrainian_claimed_counteroffensives": "Ukrainian claimed counteroffensives (a claim)",
    "ukrainian_reported_partisan_warfare": "reported Ukrainian partisan warfare",
}

LAYER_NAMES = {
    "RussianAssessedCoTinUkraine": OCCUPIED,
    "VIEW_RussiaCoTinUkraine_V3": OCCUPIED,
    "ロシア軍支配エリア": OCCUPIED,
    "RussianAssessedAdvanceinUkraine": "russian_assessed_advance",
    "MDS_AssessedRussianAdvanceInUkraine_view": "russian_assessed_advance",
    "ロシア軍侵攻エリア": "russian_assessed_advance",
    "RussianClaimedCoTinUkraine": "russian_claimed_control",
    "VIEW_ClaimedRussianTerritoryinUkraine_V2": "russian_claimed_control",
    "UkrainianClaimedCounterOffensives": "ukrainian_claimed_counteroffensives",
    "VIEW_ClaimedUkrainianCounteroffensives_V2": "ukrainian_claimed_counteroffensives",
    "ウクライナ軍反撃エリア": "ukrainian_claimed_counteroffensives",
    "UkrainianReportedPartisanWarfare": "ukrainian_reported_partisan_warfare",
}
_PER_LAYER = re.compile(r"(\d{8})_([A-Za-z]+)\.geojson$")
_PER_DAY = re.compile(r"(?:^|/)(\d{8})\.geojson(?:\.gz)?$")


def accepts(path: Path) -> bool:
    return path.name.endswith((".tar.xz", ".tar.gz", ".tar", ".geojson", ".geojson.gz"))


def is_archive(path: Path) -> bool:
    """Whether a file holds many maps (streamed) rather than one."""
    return ".tar" in path.name


def read(path: Path, data: bytes) -> Iterator[RawSnapshot]:
    """The daily snapshots in an ISW archive (or in one loose per-day/per-layer file)."""
    days: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    members: dict[str, list[str]] = defaultdict(list)
    limit = max_document_bytes()
    with tempfile.TemporaryFile(prefix="frontwatch-isw-") as held:
        if ".tar" in path.name:
            try:
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
                    for m in tar:
                        if m.isfile() and m.name.endswith(".geojson"):
                            check_document_size(f"{path}:{m.name}", m.size, limit)
                            fh = tar.extractfile(m)
                            assert fh is not None  # (a regular file member)
                            _collect(f"{path}:{m.name}", m.name, fh.read(), days, members, held)
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise InputFileError(str(path), f"cannot read the archive ({exc})") from exc
        else:
            _collect(str(path), path.name, decompress(path, data), days, members, held)
        if not days:
            raise InputFileError(str(path), "no ISW layer files (YYYYMMDD[_Layer].geojson) inside")
        for day in sorted(days):
            layers = days.pop(day)
            if not layers.get(OCCUPIED):
                continue  # a day without the assessed-control layer is not a control map
            valid = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
            yield _snapshot(path, valid, layers, members[day], held)


def _snapshot(path: Path, valid: dt.date, layers: dict[str, list], members: list[str], held: IO[bytes]
              ) -> RawSnapshot:  # fmt: skip
    """One day's map, its layers read back from where :func:`_collect` put them."""
    return RawSnapshot(
        source=NAME,
        valid_time=end_of_day(valid),
        layers={k: _read_back(held, v) for k, v in layers.items()},
        file=f"{path} ({len(members)} members for {valid})",
        source_dates={"map_date": valid.isoformat()},
        kind="file",
        priority=valid.isoformat(),
    )


def _collect(where: str, name: str, content: bytes, days, members, held: IO[bytes]) -> None:
    """Read one member: its layers' polygons go to ``held`` (a temporary file, as WKB; the
    2022 archive files each layer of each day in its own folder, so a day is complete only
    at the end, and its parsed polygons held in memory came to about 1 GB), their places
    to ``days[day][layer]``."""
    m = _PER_LAYER.search(name)
    per_day = _PER_DAY.search(name)
    hit = m or per_day
    if hit is None:
        return
    day = hit.group(1)
    try:
        dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise InputFileError(where, f"no such date as {day} (the date in the member's name)") from None
    found = features(where, content)
    members[day].append(name)
    if m:
        layer = LAYER_NAMES.get(m.group(2))
        if layer is None:
            return
        geoms = [g for _, g, _ in found if g is not None]
        days[day][layer].append(_hold(held, geoms))  # (validation repairs and merges them, in the workers)
        return
    by_layer: dict[str, list] = defaultdict(list)
    for props, geom, _ in found:
        label: Any = props.get("layer")
        layer = LAYER_NAMES.get(label)
        if layer is not None and geom is not None:
            by_layer[layer].append(geom)
    for layer, geoms in by_layer.items():
        days[day][layer].append(_hold(held, geoms))


def _hold(held: IO[bytes], geoms: list) -> tuple[int, list[int]]:
    """Write polygons to ``held`` as WKB; where they are (offset, sizes)."""
    blobs = shapely.to_wkb(geoms, byte_order=1, output_dimension=2)
    at = held.seek(0, io.SEEK_END)
    held.write(b"".join(blobs))
    return at, [len(b) for b in blobs]


def _read_back(held: IO[bytes], places: list[tuple[int, list[int]]]) -> list:
    """The polygons :func:`_hold` wrote, in order."""
    out: list = []
    for at, sizes in places:
        held.seek(at)
        data = held.read(sum(sizes))
        cuts = [0, *itertools.accumulate(sizes)]
        out.extend(shapely.from_wkb([data[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]))
    return out


reconcile_day = no_reconciliation
"""One map a valid time: nothing to reconcile within a day (the adapter contract's hook)."""
