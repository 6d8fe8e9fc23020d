"""The data contract: raw and valid snapshots, stored records, flags and layer categories.

What an adapter hands over (:class:`RawSnapshot`), what validation hands to the store
(:class:`ValidSnapshot`), what the store gives back (:class:`SnapshotRecord`), the names of
the layers and of the data-quality flags every part of Frontwatch agrees on, and a source's
credit as the store keeps it (:class:`SourceInfo`). This module
imports nothing else of the package, so adapters, stores and analyses can all depend on it;
the validation algorithm is :func:`frontwatch.snapshot.validate_snapshot`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypedDict, cast

import shapely
from shapely.geometry.base import BaseGeometry

# Layer categories (the names of a snapshot's layers).
OCCUPIED = "occupied"
"""Held by Russia: every snapshot has this layer (possibly empty)."""
CONTESTED = "contested"
"""The grey zone, where a source draws one."""
UNKNOWN = "unknown"
"""DeepState's "unknown status"."""
LIBERATED = "liberated"
"""DeepState's "liberated / taken back"."""
GAINS = "gains"
"""Taken by Russia in the map's window (sources that draw their windows: liveuamap-nzz)."""
LOSSES = "losses"
"""Lost by Russia in the map's window; **not** held by Russia."""
UNEXPLAINED = "unexplained"
"""The region of an unexplained step, stored by the quality checks (masked from changes)."""

# Data-quality flags (the ``type`` of each of a record's ``flags``).
TRANSIENT = "transient"
UNEXPLAINED_STEP = "unexplained_step"
COVERAGE_BREAK = "coverage_break"
PROVISIONAL = "provisional"
AUTO_FLAGS = frozenset({TRANSIENT, UNEXPLAINED_STEP, COVERAGE_BREAK, PROVISIONAL})
"""The flags the quality checks set (and recompute with every ingest)."""


class Flag(TypedDict, total=False):
    """A data-quality flag on a snapshot: its ``type``, a ``message`` a reader understands,
    and the type's own fields (``regions``, ``since``, ``km2``...)."""

    type: str
    message: str


@dataclass(frozen=True)
class SourceInfo:
    """A source's credit, stored with its snapshots at ingest (from its adapter): the title,
    the attribution to show wherever its numbers are shown, and what it covers."""

    title: str
    attribution: str
    coverage: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "attribution": self.attribution, "coverage": self.coverage}

    @classmethod
    def unrecorded(cls, source: str) -> SourceInfo:
        """What stands for the credit of a source that a store holds maps of but has no
        credit for (a store last written by a version that did not record them; its next
        ingest of any source records them)."""
        return cls(title=source, attribution=f"{source} (credit not recorded in this store: ingest again to record it)",
                   coverage="not recorded")  # fmt: skip


@dataclass
class RawSnapshot:
    """What an adapter reads: layers of polygons, a valid time and provenance."""

    source: str
    valid_time: dt.datetime
    layers: dict[str, list[BaseGeometry]]
    file: str
    source_dates: dict[str, str | None] = field(default_factory=dict)
    kind: str = "file"
    priority: str = ""
    """Among snapshots of the same source and valid time, the highest priority is used."""
    notes: list[str] = field(default_factory=list)
    layer_keys: dict[str, bytes] | None = None
    """A hash of each layer's geometry made by the reader (see
    :func:`frontwatch.snapshot.layer_keys`), or None."""
    seam_width_m: float = 0.0
    """Gaps in the occupied layer narrower than this (metres) are seams between the
    source's features, not ground held by the other side: closed (0: none)."""

    @property
    def valid_date(self) -> str:
        return self.valid_time.date().isoformat()


@dataclass
class ValidSnapshot:
    """A snapshot that passed the contract: valid, clipped, measured."""

    raw: RawSnapshot
    layers: dict[str, shapely.MultiPolygon]
    areas_km2: dict[str, float]
    coverage: dict[str, bool]
    warnings: list[str]
    clip_outline: str
    geom_hash: str

    encoded: Mapping[str, bytes] | None = None
    """The stored layers as GeoPackage blobs, once :meth:`encode` has run."""
    shared_blobs: dict[str, bytes] | None = field(default=None, repr=False)
    """Where the blobs are kept for a repeat of the same map (see
    :func:`frontwatch.snapshot.validate_snapshot`)."""
    encoder: Callable[[BaseGeometry], bytes] | None = field(default=None, repr=False)
    """How a layer becomes a GeoPackage blob (given by the validation)."""

    @property
    def occupied(self) -> shapely.MultiPolygon:
        return self.layers[OCCUPIED]

    def blobs(self) -> Mapping[str, bytes]:
        """The layers to store (empty ones left out, except ``occupied``) as GeoPackage
        blobs."""
        if self.encoded is None:
            if self.encoder is None:
                raise ValueError(f"{self.raw.file}: a snapshot not encoded and without an encoder")
            encode = self.encoder
            self.encoded = {name: encode(geom) for name, geom in self.layers.items()
                            if not geom.is_empty or name == OCCUPIED}  # fmt: skip
            if self.shared_blobs is not None:
                self.shared_blobs.update(self.encoded)
        return self.encoded

    def encode(self) -> ValidSnapshot:
        """Encode the layers once, here, and drop the geometries: what a worker process
        sends back is then the blobs alone (no second WKB round trip)."""
        self.blobs()
        self.layers = {}
        self.raw.layers = {}  # the input geometry is not needed past validation
        return self


@dataclass
class SnapshotRecord:
    """A stored snapshot's metadata (geometry is loaded on demand)."""

    id: int
    source: str
    valid_time: str
    valid_date: str
    kind: str
    priority: str
    file: str
    sha256: str
    source_dates: dict
    ingested_at: str
    clip_outline: str
    geom_hash: str
    occupied_km2: float
    areas: dict[str, float]
    coverage: dict[str, bool]
    warnings: list[str] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    excluded: bool = False
    superseded_by: int | None = None
    aliases: list[dict] = field(default_factory=list)

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.valid_date)

    def provenance(self) -> dict:
        """Where this snapshot came from: file, hash, the source's own dates, ingest time."""
        return {
            "source": self.source,
            "snapshot_date": self.valid_date,
            "valid_time": self.valid_time,
            "file": self.file,
            "sha256": self.sha256,
            "source_dates": self.source_dates,
            "ingested_at": self.ingested_at,
            "clip_outline": self.clip_outline,
        }


def layer_keys(digests: dict[str, list[bytes | None]]) -> dict[str, bytes] | None:
    """Layer keys from the digests a reader made of each layer's geometries, in order
    (None when one is missing: the key is then made from the geometries)."""
    if any(d is None for ds in digests.values() for d in ds):
        return None
    return {name: hashlib.sha256(b"".join(cast("list[bytes]", ds))).digest() for name, ds in digests.items()}
