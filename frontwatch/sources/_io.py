"""Reading source files: compression, folders and globs, GeoJSON features."""

from __future__ import annotations

import bz2
import datetime as dt
import glob
import gzip
import lzma
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import orjson
import shapely

from ..errors import InputFileError

END_OF_DAY = dt.time(23, 59, 59, tzinfo=dt.UTC)


def end_of_day(day: str | dt.date) -> dt.datetime:
    """The last second of a UTC calendar day: a map dated ``day`` is valid then."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, END_OF_DAY)


def expand_paths(paths: Iterable[str | Path], accept) -> list[Path]:
    """Files named by ``paths`` (files, folders searched recursively, globs), sorted by name.

    ``accept(path)`` chooses the files of a folder; files named directly are always taken.
    """
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file() and accept(x)))
        elif p.exists():
            out.append(p)
        else:
            matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True))
            if not matches:
                raise InputFileError(str(p), "no such file, folder or glob match")
            out.extend(m for m in matches if m.is_file())
    return out


def decompress(path: Path | str, data: bytes) -> bytes:
    """The content of a file's bytes, un-gzipped / un-xz'd / un-bz2'd as its name says."""
    name = str(path)
    try:
        if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if name.endswith(".xz") or data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
        if name.endswith(".bz2"):
            return bz2.decompress(data)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise InputFileError(name, f"cannot decompress ({exc}); is the file truncated?") from exc
    return data


def open_stream(path: Path | str) -> IO[bytes]:
    """Open a possibly compressed file as a stream of its content."""
    name = str(path)
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    if name.endswith(".xz"):
        return lzma.open(name, "rb")
    if name.endswith(".bz2"):
        return bz2.open(name, "rb")
    return open(name, "rb")


def load_json(path: Path | str, data: bytes):
    """Parse JSON content, naming the file in the error."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputFileError(str(path), f"malformed JSON ({exc})") from exc


def feature_collection(path: Path | str, doc) -> list[dict]:
    """The features of a GeoJSON FeatureCollection, or a clear error."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputFileError(str(path), "not a GeoJSON FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise InputFileError(str(path), "FeatureCollection has no 'features' list")
    return feats


POLYGON_TYPES = {"Polygon", "MultiPolygon", "GeometryCollection"}


def polygon_geometry(path: Path | str, feature: dict) -> shapely.Geometry | None:
    """The polygonal geometry of a feature, or None for points, lines and null geometries."""
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not geom or geom.get("type") not in POLYGON_TYPES:
        return None
    try:
        return shapely.force_2d(shapely.from_geojson(orjson.dumps(geom)))
    except (ValueError, TypeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
        raise InputFileError(str(path), f"bad {geom.get('type')} geometry ({exc})") from exc


def iter_lines(stream: IO[bytes]) -> Iterator[bytes]:
    for line in stream:
        line = line.strip()
        if line:
            yield line
