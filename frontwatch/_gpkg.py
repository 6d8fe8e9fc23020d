"""Geometry encodings: little-endian WKB written from coordinate arrays, and GeoPackage
geometry blobs (GeoPackage 1.3, §2.1.3)."""

from __future__ import annotations

import struct

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_GPKG_HEADER = struct.Struct("<2sBBi4d")


_has_m = getattr(shapely, "has_m", lambda geom: False)  # (shapely ≥ 2.1 reads M values)
_UINT = struct.Struct("<I")
_HEAD = struct.Struct("<BII")


def wkb(geom: BaseGeometry) -> bytes:
    """Little-endian 2-D WKB of a geometry, byte for byte what GEOS writes. Polygons and
    multipolygons are written here from their coordinate arrays (GEOS's writer goes
    through a stream one number at a time, and stored layers are large)."""
    kind = shapely.get_type_id(geom)
    if kind not in (3, 6) or geom.is_empty or shapely.has_z(geom) or _has_m(geom):
        return shapely.to_wkb(geom, byte_order=1)
    parts = shapely.get_parts(geom) if kind == 6 else np.array([geom], dtype=object)
    rings, owner = shapely.get_rings(parts, return_index=True)
    count = shapely.get_num_coordinates(rings).tolist()
    per_part = np.bincount(owner, minlength=len(parts)).tolist()
    xy = memoryview(shapely.get_coordinates(rings).tobytes())
    out: list[bytes | memoryview] = [_HEAD.pack(1, 6, len(parts))] if kind == 6 else []
    r = at = 0
    for n_rings in per_part:
        out.append(_HEAD.pack(1, 3, n_rings))
        for n in count[r : r + n_rings]:
            out.append(_UINT.pack(n))
            out.append(xy[at : at + 16 * n])
            at += 16 * n
        r += n_rings
    return b"".join(out)


def to_gpkg(geom: BaseGeometry, srs_id: int = 4326) -> bytes:
    """Encode a geometry as a GeoPackage blob (little-endian, xy envelope)."""
    if geom.is_empty:
        flags = 0b00010001  # empty, no envelope, little-endian
        return struct.pack("<2sBBi", b"GP", 0, flags, srs_id) + shapely.to_wkb(geom, byte_order=1)
    minx, miny, maxx, maxy = geom.bounds
    flags = 0b00000011  # envelope [minx, maxx, miny, maxy], little-endian
    header = _GPKG_HEADER.pack(b"GP", 0, flags, srs_id, minx, maxx, miny, maxy)
    return header + wkb(geom)


def from_gpkg(blob: bytes) -> BaseGeometry:
    """Decode a GeoPackage geometry blob."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    env = (flags >> 1) & 0b111
    env_len = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env]
    return shapely.from_wkb(blob[8 + env_len :])
