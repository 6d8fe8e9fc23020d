"""Adapter for DeepStateMap: the revision archive and the daily mirror, one source.

- Revision archive (``*.jsonl[.xz]``): one JSON object a line with ``revision``,
  ``published_utc`` and ``map`` (the FeatureCollection as DeepState served it). Each
  revision is a snapshot valid at its publication time.
- Daily mirror (``deepstatemap_data_YYYYMMDD.geojson[.gz]``): one MultiPolygon of
  occupied territory, downloaded about 03:00 UTC; valid on the download date − 1.

Where both give a snapshot for a day, the revision is kept and the daily file is recorded
as a check (:mod:`.deepstate_mirror`, this adapter's ``reconcile_day``). Categories are read
from each polygon's fill colour (what readers of the map saw), falling back to its name
("Ukrainian /// English"). Point features (units, directions of attack) are never read.

DeepState draws the areas held since 2014, Crimea and the areas occupied since 2022 as
separate features whose edges do not quite meet; the daily mirror keeps some of those
gaps too. Gaps in the occupied layer narrower than :data:`SEAM_WIDTH_M` are closed at
validation (:mod:`frontwatch._seams`): under 2 m wide from 2023 on, they reach about
100 m in the revisions of spring 2022, and no Ukrainian-held ground that narrow is drawn.
"""

from __future__ import annotations

import datetime as dt
import io
import lzma
import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from ..errors import InputFileError
from ..store.model import CONTESTED, OCCUPIED, RawSnapshot
from ._io import (
    decompress,
    end_of_day,
    feature_collection,
    gc_paused,
    iter_lines,
    load_json,
    open_stream,
    polygon_geometry,
)
from .deepstate_mirror import reconcile_day as reconcile_day  # (the adapter contract's hook)

NAME = "deepstate"
TITLE = "DeepStateMap"
ATTRIBUTION = "DeepStateMap (deepstatemap.live); daily mirror by cyterat/deepstate-map-data"
COVERAGE_NOTE = "all of Ukraine, Crimea and the areas held since 2014 included"
LAYER_HELP = {
    CONTESTED: "grey zone (Contested)",
    "unknown": "Unknown status",
    "liberated": "Liberated / Taken back / Recaptured",
}

FILL = {
    "#a52714": OCCUPIED, "#880e4f": OCCUPIED, "#000000": OCCUPIED,
    "#ff5252": None,  # other countries' territories (Transnistria, Abkhazia, ...): not Ukraine
    "#bcaaa4": CONTESTED, "#bdbdbd": CONTESTED, "#757575": CONTESTED,
    "#0f9d58": "liberated", "#0288d1": "liberated", "#01579b": "liberated",
    "#0097a7": "liberated",
}  # fmt: skip
_FOREIGN = re.compile(
    r"transnistri|придністров|abkhaz|tskhinval|petsamo|salla|estonia|latvia|kuril|prussia|"
    r"karelia|ichker|pechorsk|wagner",
    re.I,
)
_NAME_RULES = [
    (re.compile(r"unknown|невідом|situation is|ситуація|немає інфо", re.I), "unknown"),
    (re.compile(r"conte[sn]|під питанням|in doubt|under question|сіра|gray|grey", re.I), CONTESTED),
    (re.compile(r"liberat|taken back|recapt|звільн|pushed back|відкинуто", re.I), "liberated"),
    (re.compile(r"occup|окуп|cadr|calr|ордло|crimea|крим|tuzla|тузла|захоплено|зайняті", re.I),
     OCCUPIED),
]  # fmt: skip
_DAILY = re.compile(r"(\d{8})")
SEAM_WIDTH_M = 100.0
"""Gaps in the occupied layer narrower than this (metres) are seams between DeepState's
features, not ground held by Ukraine (see the module's docstring)."""


def category(props: dict) -> str | None:
    """The layer of a DeepState polygon, from its fill colour, else its name; None for
    territories of other countries (Transnistria, Abkhazia, ...) and unknown styles."""
    name = str(props.get("name") or "")
    english = name.split("///")[1] if "///" in name else name
    if _FOREIGN.search(name):
        return None
    by_name = next((layer for rx, layer in _NAME_RULES if rx.search(english)), None)
    fill = str(props.get("fill") or "").lower()
    if fill in FILL:
        by_fill = FILL[fill]
        return "unknown" if by_fill == CONTESTED and by_name == "unknown" else by_fill
    return by_name


def accepts(path: Path) -> bool:
    n = path.name
    return n.endswith((".geojson", ".geojson.gz", ".json.gz", ".jsonl", ".jsonl.xz", ".jsonl.gz"))


def is_archive(path: Path) -> bool:
    """Whether a file holds many maps (streamed) rather than one."""
    return ".jsonl" in path.name


def read(path: Path, data: bytes) -> Iterator[RawSnapshot]:
    """The snapshots in a revision archive or a daily file."""
    if ".jsonl" in path.name:
        yield from _read_revisions(path, data)
    else:
        yield _read_daily(path, data)


def map_layers(path: Path | str, features: list[dict]) -> dict[str, list]:
    """Polygons of a DeepState map by layer; points and lines are dropped unread."""
    layers: dict[str, list] = {OCCUPIED: [], CONTESTED: [], "unknown": [], "liberated": []}
    for f in features:
        geom = polygon_geometry(path, f)
        if geom is None:
            continue
        layer = category(f.get("properties") or {})
        if layer is not None:
            layers[layer].append(geom)
    return layers


def _read_revisions(path: Path, data: bytes) -> Iterator[RawSnapshot]:
    if path.name.endswith((".xz", ".gz")):
        stream = open_stream(path) if not data else _stream_of(path, data)
    else:
        stream = io.BytesIO(data)
    try:
        for n, line in iter_lines(path, stream):
            with gc_paused():  # (the snapshot is yielded with the collector back on)
                snap = _revision(f"{path} line {n}", line)
            yield snap
    except (EOFError, lzma.LZMAError, OSError) as exc:
        raise InputFileError(str(path), f"cannot decompress ({exc}); is the file truncated?") from exc


def _revision(where: str, line: bytes) -> RawSnapshot:
    """The snapshot of one line of a revision archive."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise InputFileError(where, f"malformed JSON ({exc})") from exc
    if not isinstance(obj, dict) or "map" not in obj or "published_utc" not in obj:
        raise InputFileError(where, "expected an object with 'published_utc' and 'map'")
    try:
        published = dt.datetime.fromisoformat(obj["published_utc"].replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise InputFileError(where, f"bad published_utc {obj['published_utc']!r}") from exc
    feats = feature_collection(where, obj["map"])
    return RawSnapshot(
        source=NAME,
        valid_time=published.astimezone(dt.UTC),
        layers=map_layers(where, feats),
        file=where,
        source_dates={"revision": str(obj.get("revision")),
                      "published_utc": obj["published_utc"]},
        kind="revision",
        priority=f"2-revision-{obj['published_utc']}",
        seam_width_m=SEAM_WIDTH_M,
    )  # fmt: skip


def _stream_of(path: Path, data: bytes):
    if path.name.endswith(".xz"):
        return lzma.open(io.BytesIO(data), "rb")
    import gzip

    return gzip.open(io.BytesIO(data), "rb")


def _read_daily(path: Path, data: bytes) -> RawSnapshot:
    with gc_paused():
        return _daily(path, data)


def _daily(path: Path, data: bytes) -> RawSnapshot:
    doc = load_json(path, decompress(path, data))
    feats = feature_collection(path, doc)
    m = _DAILY.search(path.name)
    if not m:
        raise InputFileError(str(path), "no download date (YYYYMMDD) in the file name")
    try:
        downloaded = dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    except ValueError as exc:
        raise InputFileError(str(path), f"bad date {m.group(1)!r} in the file name") from exc
    valid = downloaded - dt.timedelta(days=1)
    layers: dict[str, list] = {OCCUPIED: []}
    for f in feats:
        geom = polygon_geometry(path, f)
        if geom is not None:
            props = f.get("properties") or {}
            layer = category(props) if props.get("name") or props.get("fill") else OCCUPIED
            layers.setdefault(layer or OCCUPIED, []).append(geom)
    return RawSnapshot(
        source=NAME,
        valid_time=end_of_day(valid),
        layers=layers,
        file=str(path),
        source_dates={"downloaded": downloaded.isoformat()},
        kind="daily",
        priority=f"1-daily-{downloaded.isoformat()}",
        seam_width_m=SEAM_WIDTH_M,
    )
