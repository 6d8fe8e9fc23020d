"""The raw cache of fetched maps: what ``update`` ingests, kept on disk beside the store.

Layout (``<store>.raw/`` unless given)::

    index.json                     one entry per stored file, keyed by its content sha256
    validators.json                per URL: ETag / Last-Modified of the last answer
    deepstate/rev-<id>.jsonl.gz    one DeepState revision, in the revision archive's format
    isw/YYYYMMDD.geojson.gz        ISW's layers of a day, in the Nikkei archive's format
    liveuamap-nzz/YYYY-MM-DD.json.gz   one NZZ getAreas answer

Each file holds the **area features only** (Polygon and MultiPolygon: never DeepState's unit
Points) and its provenance: the URL, the time and the sha256 of the original response. Files
are written to a temporary name and renamed, so a killed ``update`` leaves no half file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path

import orjson

AREA_TYPES = frozenset({"Polygon", "MultiPolygon"})


def areas_only(collection: dict) -> dict:
    """A FeatureCollection with only its area features: points, lines and null geometries
    dropped, a GeometryCollection kept with its polygons only (DeepState draws Crimea as
    one); foreign members kept."""
    feats = []
    for f in collection.get("features") or []:
        geom = _areas(f.get("geometry")) if isinstance(f, dict) else None
        if geom is not None:
            feats.append({**f, "geometry": geom})
    return {**collection, "type": "FeatureCollection", "features": feats}


def _areas(geom: object) -> dict | None:
    if not isinstance(geom, dict):
        return None
    if geom.get("type") in AREA_TYPES:
        return geom
    if geom.get("type") == "GeometryCollection":
        parts = [g for g in map(_areas, geom.get("geometries") or []) if g is not None]
        return {**geom, "geometries": parts} if parts else None
    return None


def provenance(response) -> dict:
    """The provenance of a fetched document."""
    return {"url": response.url, "fetched_at": response.fetched_at, "response_sha256": response.sha256}


class RawCache:
    """Fetched maps on disk, with their provenance and the validators of each URL."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._index = self._load("index.json")
        self._validators = self._load("validators.json")

    def _load(self, name: str) -> dict:
        path = self.root / name
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}  # a damaged index only costs a refetch

    def _save(self, name: str, data: dict) -> None:
        _atomic_write(self.root / name, json.dumps(data, indent=1, sort_keys=True).encode())

    def path(self, source: str, name: str) -> Path:
        return self.root / source / name

    def has(self, source: str, name: str) -> bool:
        return self.path(source, name).exists()

    def files(self, source: str) -> list[Path]:
        folder = self.root / source
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.exists() else []

    def put(self, source: str, name: str, document: dict, prov: dict) -> tuple[Path, bool]:
        """Store a document (gzip JSON) under ``source/name``; returns the path and whether
        its content is new (identical content already stored under that name is kept as is)."""
        data = orjson.dumps(document)
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(source, name)
        entry = self._index.get(digest)
        if entry and entry.get("file") == f"{source}/{name}" and path.exists():
            return path, False
        _atomic_write(path, gzip.compress(data, compresslevel=6, mtime=0))
        self._index[digest] = {"file": f"{source}/{name}", **prov}
        self._save("index.json", self._index)
        return path, True

    def validators(self, url: str) -> dict:
        return self._validators.get(url, {})

    def remember(self, response) -> None:
        """Keep the ETag / Last-Modified of an answer for the next conditional request."""
        keep = {k: response.headers[h] for k, h in (("etag", "etag"), ("last_modified", "last-modified"))
                if response.headers.get(h)}  # fmt: skip
        if keep and self._validators.get(response.url) != keep:
            self._validators[response.url] = keep
            self._save("validators.json", self._validators)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
