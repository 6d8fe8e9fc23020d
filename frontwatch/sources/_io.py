"""Reading source files: compression, folders and globs, GeoJSON features."""

from __future__ import annotations

import bz2
import datetime as dt
import gc
import glob
import gzip
import lzma
import os
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO, Any, cast

import numpy as np
import orjson
import shapely
from shapely.geometry.base import BaseGeometry

try:  # ISA-L inflate (about 3x zlib) for gzip; zlib otherwise
    from isal import isal_zlib

    _INFLATE: ModuleType = isal_zlib
    _INFLATE_ERRORS: tuple = (_INFLATE.error, zlib.error)
except ImportError:  # pragma: no cover - a declared dependency, but zlib does the same
    _INFLATE = zlib
    _INFLATE_ERRORS = (zlib.error,)

try:  # SIMD JSON parsing straight into coordinate buffers; orjson does everything otherwise
    import simdjson
except ImportError:  # pragma: no cover - a declared dependency, but the slow path stays
    simdjson = None  # type: ignore[assignment]  # (the optional-import idiom)

from .. import _contents
from ..errors import DocumentTooLarge, InputFileError, InvalidSetting
from ._crs import crs_problem

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


ENV_MAX_DOCUMENT_MB = "FRONTWATCH_MAX_DOCUMENT_MB"
MAX_DOCUMENT_MB = 256.0
"""Default cap (MB) on the decompressed size of one document: a JSON file, a line of a
revision archive, an archive member. The largest real ones are 3.6 MB (an ISW member),
2.2 MB (a liveuamap day) and 0.6 MB (a DeepState revision); a user's own GeoJSON may be far
larger. A ratio cap would refuse our own data (the revision archive expands 1 MB → 662 MB),
so each document is capped instead."""


def max_document_bytes() -> int:
    """The cap on one document's size, in bytes: ``$FRONTWATCH_MAX_DOCUMENT_MB`` (set by
    ``ingest --max-document-mb``, and inherited by worker processes) or the default."""
    text = os.environ.get(ENV_MAX_DOCUMENT_MB, "").strip()
    try:
        mb = float(text) if text else MAX_DOCUMENT_MB
    except ValueError:
        mb = -1.0
    if not (0 < mb < 1e9):
        raise InvalidSetting(ENV_MAX_DOCUMENT_MB, text, "a size in MB greater than 0")
    return int(mb * 1e6)


def check_document_size(where: Path | str, size: int, limit: int | None = None) -> None:
    """Refuse a document of ``size`` bytes over the cap, naming ``where``."""
    limit = max_document_bytes() if limit is None else limit
    if size > limit:
        raise DocumentTooLarge(str(where), limit)


def decompress(path: Path | str, data: bytes, *, limit: int | None = None) -> bytes:
    """The content of a file's bytes, un-gzipped / un-xz'd / un-bz2'd as its name says,
    streamed and stopped at ``limit`` bytes (default :func:`max_document_bytes`): a file
    expanding past it (a decompression bomb) is refused before it fills the memory."""
    name = str(path)
    limit = max_document_bytes() if limit is None else limit
    try:
        if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
            return _bounded(name, data, lambda: _INFLATE.decompressobj(wbits=31), limit)
        if name.endswith(".xz") or data[:6] == b"\xfd7zXZ\x00":
            return _bounded(name, data, lzma.LZMADecompressor, limit)
        if name.endswith(".bz2"):
            return _bounded(name, data, bz2.BZ2Decompressor, limit)
    except (OSError, EOFError, lzma.LZMAError, *_INFLATE_ERRORS) as exc:
        raise InputFileError(name, f"cannot decompress ({exc}); is the file truncated?") from exc
    check_document_size(name, len(data), limit)
    return data


def _bounded(name: str, data: bytes, new, limit: int) -> bytes:
    """Decompress every stream (gzip member, xz stream) of ``data`` with decompressors made
    by ``new()``, asking each for no more than what is left under ``limit`` (a gzip member
    is inflated in C, CRC checked, in one call when it fits)."""
    out = bytearray()
    rest = data
    while True:
        d = new()
        out += d.decompress(rest, limit + 1 - len(out))
        if len(out) > limit:
            raise DocumentTooLarge(name, limit)
        if not d.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")
        rest = d.unused_data
        if not rest.strip(b"\x00"):  # (zero padding after the last member)
            return bytes(out)


def open_stream(path: Path | str) -> IO[bytes]:
    """Open a possibly compressed file as a stream of its content."""
    name = str(path)
    if name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(name, "rb"))
    if name.endswith(".xz"):
        return lzma.open(name, "rb")
    if name.endswith(".bz2"):
        return bz2.open(name, "rb")
    return open(name, "rb")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for a block that builds one parsed document and reads
    its geometry. orjson makes a list for every position: a map's millions of them would
    set the collector off thousands of times, each pass walking every list made so far
    (twice the parse's own time on DeepState's revision archive: bench/README.md,
    *Fifth session*). The document holds no cycles, and is freed by reference counting
    when the block's caller drops it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
    problem = crs_problem(doc.get("crs"))
    if problem:
        raise InputFileError(str(path), problem)
    return feats


POLYGON_TYPES = {"Polygon", "MultiPolygon", "GeometryCollection"}


def polygon_geometry(path: Path | str, feature: dict) -> BaseGeometry | None:
    """The polygonal geometry of a feature, or None for points, lines and null geometries."""
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not geom or geom.get("type") not in POLYGON_TYPES:
        return None
    fast = _fast_polygonal(geom)
    if fast is not None:
        return fast
    try:
        return shapely.force_2d(shapely.from_geojson(orjson.dumps(geom)))
    except (ValueError, TypeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
        raise InputFileError(str(path), f"bad {geom.get('type')} geometry ({exc})") from exc


def iter_lines(where: Path | str, stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(number, line)`` of the non-blank lines of a stream; a line longer than the cap on
    one document (:func:`max_document_bytes`) is refused, naming it, without reading it
    whole."""
    limit = max_document_bytes()
    n = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        n += 1
        if len(line) > limit:
            raise DocumentTooLarge(f"{where} line {n}", limit)
        line = line.strip()
        if line:
            yield n, line


def _fast_polygonal(geom: dict) -> BaseGeometry | None:
    """A plain 2-D Polygon or MultiPolygon (or a collection of them) built straight from
    its coordinate lists (a few times faster than GEOS's GeoJSON reader; z dropped from
    3-D positions, as the reader's ``force_2d`` does), or None for anything else (mixed or
    odd positions, unclosed or short rings, odd values): the reader then handles it and
    its errors."""
    kind = geom.get("type")
    if kind == "GeometryCollection":  # (DeepState draws some areas as collections of polygons)
        members = geom.get("geometries")
        if not isinstance(members, list) or not members:
            return None
        parts = [_fast_polygonal(m) if isinstance(m, dict) and m.get("type") != kind else None for m in members]
        if any(p is None for p in parts):
            return None
        return shapely.geometrycollections(parts)
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        return None
    try:
        if kind == "Polygon":
            return _fast_polygon(coords)
        if kind == "MultiPolygon":
            polys = [_fast_polygon(p) for p in coords]
            if any(p is None for p in polys):
                return None
            return shapely.multipolygons(polys)
    except (TypeError, ValueError, shapely.errors.GEOSException):
        return None
    return None


def _fast_polygon(rings) -> shapely.Polygon | None:
    if not isinstance(rings, list) or not rings:
        return None
    arrays = []
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return None
        try:
            arr = np.array(ring)
        except ValueError:  # ragged: the reader says what is wrong
            return None
        # every position a pair, or x, y, z (z dropped, as the reader's force_2d does)
        if arr.ndim != 2 or arr.shape[1] not in (2, 3) or arr.dtype.kind not in "fi":
            return None
        xy = arr[:, :2]
        if np.any((xy == 0) | (xy == 1)):  # 0/1: maybe JSON false/true
            return None
        arrays.append(np.ascontiguousarray(xy, dtype=float).ravel())
    return _closed_polygon(arrays)


def _closed_polygon(rings: list[np.ndarray]) -> shapely.Polygon | None:
    """A polygon from flat ``x, y, x, y, …`` ring arrays (shell first), or None when a ring
    is not closed (the reader then says so)."""
    if any(xy[0] != xy[-2] or xy[1] != xy[-1] for xy in rings):
        return None
    shell, *holes = (xy.reshape(-1, 2) for xy in rings)
    if not holes:
        return cast(shapely.Polygon, shapely.polygons(shell))
    # holes as ring objects: arrays of different lengths make no one array
    return cast(
        shapely.Polygon, shapely.polygons(shell, holes=np.array([shapely.linearrings(h) for h in holes], dtype=object))
    )


_PARSER = None


def properties(feature: Any) -> dict:
    """A feature's properties ({} when it has none, or they are not an object)."""
    p = feature.get("properties") if isinstance(feature, dict) else None
    return p if isinstance(p, dict) else {}


def features(where: Path | str, content: bytes, *keys: str) -> list[tuple[dict, BaseGeometry | None, bytes | None]]:
    """``(properties, polygonal geometry or None, digest or None)`` per feature of the
    FeatureCollection at ``doc[keys...]``: by :func:`fast_features` where it can, else the
    orjson way, which also names what is wrong."""
    fast = fast_features(content, *keys)
    if fast is not None:
        return fast
    doc = load_json(where, content)
    for k in keys:
        if not isinstance(doc, dict) or k not in doc:
            raise InputFileError(str(where), f"expected an object with a {k!r} FeatureCollection")
        doc = doc[k]
    return [(properties(f), polygon_geometry(where, f), None) for f in feature_collection(where, doc)]


def fast_features(content: bytes, *keys: str) -> list[tuple[dict, BaseGeometry | None, bytes | None]] | None:
    """``(properties, polygonal geometry or None, its digest)`` per feature of the
    FeatureCollection at ``doc[keys...]``, parsed with simdjson: coordinates go from the
    JSON text into arrays with no Python float in between. The digest (a hash of the
    geometry's exact coordinates and structure, made while the arrays are at hand) lets a
    map be recognised as one seen before without another pass over its geometry. None when
    simdjson is missing or anything is not plain (bad JSON, 3-D or odd positions, geometry
    collections): the caller then takes the orjson path, which also gives the errors."""
    global _PARSER
    if simdjson is None:
        return None
    if _PARSER is None:
        _PARSER = simdjson.Parser()
    try:
        doc = _PARSER.parse(content)
        try:
            found = _fast_features(doc, keys)
        finally:
            del doc  # the parser holds one document at a time
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError, shapely.errors.GEOSException):
        return None
    if found is None:
        return None
    out, depths = found
    return out if _plain_positions(content, depths) else None


def _fast_features(doc, keys) -> tuple[list, list] | None:
    for k in keys:
        if not isinstance(doc, simdjson.Object) or k not in doc:
            return None
        doc = doc[k]
    if not isinstance(doc, simdjson.Object) or doc.get("type") != "FeatureCollection":
        return None
    crs = doc.get("crs")
    if crs is not None and crs_problem(crs.as_dict() if isinstance(crs, simdjson.Object) else crs):
        return None  # (the plain path says why)
    feats = doc.get("features")
    if not isinstance(feats, simdjson.Array):
        return None
    found: list[tuple[dict, tuple | None]] = []  # props, and (multi?, first polygon, count)
    rings: list[np.ndarray] = []  # flat x, y, x, y, … per ring
    per_polygon: list[int] = []  # rings per polygon
    depths: list[tuple[int, int]] = []
    for f in feats:
        if not isinstance(f, simdjson.Object):
            return None
        raw_props = f.get("properties")
        props = raw_props.as_dict() if isinstance(raw_props, simdjson.Object) else {}
        geom = f.get("geometry")
        if geom is None:
            found.append((props, None))
            continue
        if not isinstance(geom, simdjson.Object):
            return None
        kind = geom.get("type")
        if kind not in ("Polygon", "MultiPolygon"):
            if kind in POLYGON_TYPES:  # a collection: the reader handles it
                return None
            found.append((props, None))
            continue
        coords = geom.get("coordinates")
        if not isinstance(coords, simdjson.Array):
            return None
        polys: list[Any] = [coords] if kind == "Polygon" else list(coords)
        found.append((props, (kind == "MultiPolygon", len(per_polygon), len(polys))))
        for poly in polys:
            n = _simd_rings(poly, rings)
            if n is None:
                return None
            per_polygon.append(len(poly))
            # positions sit inside the features array and 3 (Polygon) or 4 arrays deep
            depths.append((1 + (3 if kind == "Polygon" else 4), n))
    made = _polygons(rings, per_polygon)
    if made is None:
        return None
    built, xy, ring_at, poly_at = made
    geoms = [where for _, where in found if where is not None]
    digests = iter(_digests(geoms, xy, ring_at, poly_at))
    out: list[tuple[dict, BaseGeometry | None, bytes | None]] = []
    for props, where in found:
        if where is None:
            out.append((props, None, None))
            continue
        multi, first, count = where
        geom = shapely.multipolygons(built[first : first + count]) if multi else built[first]
        out.append((props, geom, next(digests)))
    return out, depths


def _digests(geoms: list[tuple[bool, int, int]], xy: np.ndarray, ring_at: np.ndarray,
             poly_at: np.ndarray) -> list[bytes]:  # fmt: skip
    """Per geometry ((multi?, first polygon, polygon count)): the hash of its exact contents
    (:class:`.._contents.Contents`, as the arrays the reader has), Polygon and MultiPolygon
    told apart."""
    first = np.array([f for _, f, _ in geoms] + [len(poly_at) - 1], dtype=np.int64)
    size = np.diff(ring_at)
    shell = np.zeros(len(size), bool)
    shell[poly_at[:-1]] = True
    lead = np.zeros(len(size), bool)  # the first shell of each geometry
    lead[poly_at[first[:-1][np.array([n for _, _, n in geoms], dtype=np.int64) > 0]]] = True
    content = _contents.Contents(size * 4 + shell * 2 + lead, xy, poly_at[first], ring_at)
    return content.keys(np.arange(len(geoms) + 1), [b"M" if multi else b"P" for multi, _, _ in geoms])


def _simd_rings(rings, into: list[np.ndarray]) -> int | None:
    """Add a polygon's rings (coordinate buffers) to ``into``; its number of positions,
    or None when it is not a plain polygon."""
    if not isinstance(rings, simdjson.Array) or len(rings) == 0:
        return None
    n = 0
    for ring in rings:
        if not isinstance(ring, simdjson.Array) or len(ring) < 4:
            return None
        xy = np.frombuffer(ring.as_buffer(of_type="d"), dtype=np.float64)
        if len(xy) != 2 * len(ring):
            return None
        into.append(xy)
        n += len(ring)
    return n


def _polygons(rings: list[np.ndarray], per_polygon: list[int]) -> tuple | None:
    """Polygons from flat ring buffers (``per_polygon``: rings of each, shell first), all
    in one call, with the coordinates (n × 2), where each ring starts in them and where
    each polygon's rings start; None when a ring is not closed (the reader then says so)."""
    none = np.zeros(1, dtype=np.int64)
    if not rings:
        return np.empty(0, dtype=object), np.empty((0, 2)), none, none
    size = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings)) // 2
    xy = np.concatenate(rings).reshape(-1, 2)
    end = np.cumsum(size)
    if np.any(xy[end - size] != xy[end - 1]):
        return None
    ring_at, poly_at = np.concatenate(([0], end)), np.concatenate(([0], np.cumsum(per_polygon)))
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy, (ring_at, poly_at)), xy, ring_at, poly_at


def _plain_positions(text: bytes, depths: list[tuple[int, int]]) -> bool:
    """Whether the document's innermost arrays are exactly the positions read, in order:
    each a pair ``[x,y]`` at the depth its geometry puts it (``depths``: (depth, count)
    per polygon). The buffer export flattens whatever it finds, so a 3-D, short or nested
    position would otherwise shift every coordinate after it silently; any other array
    (in properties, or a non-polygon geometry) sends the file to the reader too."""
    b = np.frombuffer(text, dtype=np.uint8)
    opens = np.flatnonzero(b == 91)  # '['
    closes = np.flatnonzero(b == 93)  # ']'
    if len(opens) != len(closes) or not len(opens):
        return not depths and len(opens) == len(closes)
    before = np.searchsorted(closes, opens)  # ']' before each '['
    if before[-1] >= len(closes):
        return False
    close = closes[before]  # the first ']' after each '['
    inner = np.flatnonzero(close < np.concatenate((opens[1:], [len(b)])))  # '[' whose next bracket closes it
    depth = np.arange(1, len(opens) + 1) - before  # arrays open at each '['
    want = np.repeat([d for d, _ in depths], [n for _, n in depths]) if depths else np.empty(0, int)
    if len(inner) != len(want) or np.any(depth[inner] != want):
        return False
    # exactly one comma inside: the first comma after '[' comes before ']', the next after
    commas = np.concatenate((np.flatnonzero(b == 44), [len(b), len(b)]))  # (two past the end)
    k = np.searchsorted(commas, opens[inner])
    return bool(np.all((commas[k] < close[inner]) & (commas[k + 1] > close[inner])))
