"""Exact contents of polygonal geometries as arrays, and hashes of them (to recognise a
map, a layer or a cell seen before)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ._gpkg import wkb


class Contents(NamedTuple):
    """Polygonal geometries as plain arrays, exactly (for hashing their contents)."""

    code: np.ndarray
    """Per ring: 4 × its coordinate count, + 2 for a shell, + 1 for a geometry's first shell."""
    xy: np.ndarray
    """All coordinates, ring after ring."""
    ring_start: np.ndarray
    """Per geometry (and one past the end): the index of its first ring."""
    xy_start: np.ndarray
    """Per ring (and one past the end): the index of its first coordinate."""

    def key(self) -> bytes:
        """A hash of all the geometries."""
        return self.keys(np.array([0, len(self.ring_start) - 1]), [b""])[0]

    def keys(self, bounds: np.ndarray, salts: list[bytes]) -> list[bytes]:
        """Hashes of consecutive runs of geometries, ``bounds[k]`` to ``bounds[k + 1]``,
        each begun with ``salts[k]``."""
        ring = self.ring_start[bounds]
        code_at = (ring * self.code.itemsize).tolist()
        xy_at = (self.xy_start[ring] * 2 * self.xy.itemsize).tolist()
        code, xy = memoryview(self.code.tobytes()), memoryview(self.xy.tobytes())
        sha256 = hashlib.sha256  # (SHA extensions: faster than blake2 here)
        out = []
        for k, salt in enumerate(salts):
            h = sha256(salt)
            h.update(code[code_at[k] : code_at[k + 1]])
            h.update(xy[xy_at[k] : xy_at[k + 1]])
            out.append(h.digest())
        return out


def contents(geoms: np.ndarray | Sequence[BaseGeometry]) -> Contents:
    """The exact contents of polygonal geometries as arrays (see :class:`Contents`)."""
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    counts = shapely.get_num_coordinates(rings).astype(np.int64)
    shell = np.ones(len(rings), bool)
    shell[1:] = ring_of[1:] != ring_of[:-1]
    first_part = np.ones(len(parts), bool)
    first_part[1:] = part_of[1:] != part_of[:-1]
    code = counts * 4 + shell * 2 + (shell & first_part[ring_of])
    ring_start = np.searchsorted(part_of[ring_of], np.arange(len(geoms) + 1))
    xy_start = np.concatenate(([0], np.cumsum(counts)))
    return Contents(code, shapely.get_coordinates(rings), ring_start, xy_start)


def geometry_hash(geom: BaseGeometry) -> str:
    """A hash of a geometry's normalized form: equal for geometry-identical inputs."""
    return hashlib.sha256(wkb(shapely.normalize(geom))).hexdigest()
