"""Shared fixtures: stores, synthetic maps, the bundled sample and the full data sets.

The store fixtures (``fresh_store``, ``store_at``, ``sample_store``, ``evolving_store``) are
parametrised by backend: ``sqlite`` always, ``postgis`` when ``FRONTWATCH_TEST_POSTGIS`` holds
a database URL (``make test-postgis`` starts a throwaway cluster and sets it), skipped
otherwise.
"""

from __future__ import annotations

import gzip
import os
import random
import uuid
from pathlib import Path

import numpy as np
import orjson
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import mapping

from frontwatch.ingest import ingest
from frontwatch.store import SQLiteStore, Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared" / "data"
WGS84 = "EPSG:4326"
# Lambert azimuthal equal-area on the WGS84 ellipsoid, centred on Ukraine: an independent
# second method for areas (equal-area, so planar areas there are ellipsoidal areas).
LAEA_UKRAINE = "+proj=laea +lat_0=48.5 +lon_0=31.5 +ellps=WGS84 +units=m +no_defs"
SEED = 20220908


_GEOD = Geod(ellps="WGS84")
_TO_LAEA = Transformer.from_crs(WGS84, LAEA_UKRAINE, always_xy=True)


def _geodesic_ring(coords, step_m: float = 2_000.0) -> np.ndarray:
    """A ring densified along its geodesic edges, projected to the equal-area CRS."""
    pts = []
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:], strict=True):
        pts.append((x0, y0))
        dist = _GEOD.inv(x0, y0, x1, y1)[2]
        n = int(dist // step_m)
        if n > 0:
            pts.extend(_GEOD.npts(x0, y0, x1, y1, n))
    xy = np.asarray(pts)
    return np.column_stack(_TO_LAEA.transform(xy[:, 0], xy[:, 1]))


def equal_area_km2(geom) -> float:
    """Area by a second method: densify along geodesics, project to an equal-area CRS
    (Lambert azimuthal on the WGS84 ellipsoid), planar area."""
    total = 0.0
    for poly in shapely.get_parts(geom):
        if poly.geom_type == "GeometryCollection":
            total += equal_area_km2(poly) * 1e6
            continue
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        ext = shapely.Polygon(_geodesic_ring(list(poly.exterior.coords)))
        total += ext.area
        for ring in poly.interiors:
            total -= shapely.Polygon(_geodesic_ring(list(ring.coords))).area
    return total / 1e6


POSTGIS_URL = os.environ.get("FRONTWATCH_TEST_POSTGIS")
BACKENDS = ["sqlite", "postgis"]
NO_POSTGIS = ("PostGIS backend not tested: FRONTWATCH_TEST_POSTGIS is not set "
              "(make test-postgis starts a throwaway cluster and runs these)")  # fmt: skip


def need_postgis() -> str:
    """The test database's URL, or skip."""
    if not POSTGIS_URL:
        pytest.skip(NO_POSTGIS)
    return POSTGIS_URL


class Stores:
    """Opens stores of one backend by name: a name opened twice is the same store (a second
    connection to it); PostGIS stores are schemas of the test database, dropped at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.prefix = f"t{uuid.uuid4().hex[:12]}"
        self.opened: list[Store] = []

    def __call__(self, name: str | None = "test", **kw) -> Store:
        if self.backend == "sqlite":
            store: Store = SQLiteStore(":memory:" if name is None else self.folder / f"{name}.gpkg", **kw)
        else:
            from frontwatch.store.postgis import PostGISStore

            store = PostGISStore(need_postgis(), schema=self.schema(name or "fresh"), **kw)
        self.opened.append(store)
        return store

    def schema(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def close(self) -> None:
        for store in self.opened:
            store.close()
        if self.backend == "postgis" and self.opened:
            import psycopg

            with psycopg.connect(POSTGIS_URL, autocommit=True) as conn:
                for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                              (self.prefix + "%",)).fetchall():  # fmt: skip
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """The backend the store fixtures use (a test that looks a store fixture up by name
    asks for this one too, to be parametrised)."""
    if request.param == "postgis":
        need_postgis()
    return request.param


@pytest.fixture
def store_at(backend, tmp_path):
    """``store_at(name, **kw)``: a store of the test's backend, by name."""
    stores = Stores(backend, tmp_path)
    yield stores
    stores.close()


@pytest.fixture
def fresh_store(store_at):
    return store_at(None)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.gpkg"


@pytest.fixture
def rng():
    return random.Random(SEED)


def nzz_file(path: Path, date: str, nochange, gains=None, losses=None, datefrom=None) -> Path:
    """Write a synthetic NZZ/liveuamap file with the given geometries."""
    feats = []
    for kind, geom in (("nochange", nochange), ("gains", gains), ("losses", losses)):
        if geom is None:
            continue
        feats.append({"type": "Feature", "geometry": mapping(geom), "properties": {
            "type": kind, "date": date, "_datefrom": datefrom or date, "_dateto": date}})  # fmt: skip
    doc = {"value": {"type": "FeatureCollection", "features": feats}}
    path.write_bytes(gzip.compress(orjson.dumps(doc), mtime=0))
    return path


@pytest.fixture(scope="session")
def sample_store(backend, tmp_path_factory):
    """A store with the bundled sample (liveuamap-nzz Aug-Sep 2022, deepstate Nov 2024)."""
    stores = Stores(backend, tmp_path_factory.mktemp("sample"))
    store = stores("sample")
    ingest(store, "liveuamap-nzz", [SAMPLES / "liveuamap-nzz"], workers=1)
    ingest(store, "deepstate", [SAMPLES / "deepstate"], workers=1)
    yield store
    stores.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"full data sets not found at {SHARED} (they are beside the project in CI)")
    return SHARED


def evolving_maps(path: Path, rng: random.Random, days: int = 30, start: str = "2022-06-01") -> list[Path]:
    """NZZ files of an occupied area that moves a little on most days (bumps and dents of a
    few km, either side) and a lot on a few (an offensive of hundreds of km², with or
    without its ``losses`` drawn, so some steps are flagged as unexplained and masked);
    some days repeat the map before."""
    import datetime as dt

    from shapely.geometry import Point

    occ = shapely.union_all([shapely.segmentize(shapely.box(36.0, 47.3, 38.0, 49.2), 0.02)]
                            + [Point(rng.uniform(35.8, 38.2), rng.uniform(47.2, 49.4))
                               .buffer(rng.uniform(0.05, 0.25), quad_segs=16) for _ in range(8)])  # fmt: skip
    day = dt.date.fromisoformat(start)
    files = []
    offensives = 0
    for _ in range(days):
        losses = None
        r = rng.random()
        if r < 0.15:  # an offensive: a band of the western edge retaken
            offensives += 1
            west = shapely.bounds(occ)[0]
            band = shapely.box(west - 0.01, rng.uniform(47.3, 48.0), west + rng.uniform(0.15, 0.4),
                               rng.uniform(48.3, 49.2))  # fmt: skip
            losses = shapely.intersection(occ, band) if offensives % 2 else None
            occ = shapely.difference(occ, band)
        elif r < 0.85:
            for _ in range(rng.randint(1, 4)):
                blob = Point(rng.uniform(35.8, 38.3), rng.uniform(47.1, 49.4)).buffer(
                    rng.uniform(0.01, 0.06), quad_segs=rng.randint(2, 8))  # fmt: skip
                occ = shapely.union(occ, blob) if rng.random() < 0.5 else shapely.difference(occ, blob)
        if losses is None or losses.is_empty:  # (a map without losses is never checked for steps)
            losses = shapely.box(36.5, 48.0, 36.501, 48.001)
        files.append(nzz_file(path / f"{day}.json.gz", day.isoformat(), occ, losses=losses))
        day += dt.timedelta(days=rng.choice([1, 1, 1, 2, 3]))
    return files


@pytest.fixture(scope="session")
def evolving_store(backend, tmp_path_factory):
    """A store with 40 synthetic maps of liveuamap-nzz (see :func:`evolving_maps`)."""
    path = tmp_path_factory.mktemp("evolving")
    stores = Stores(backend, path)
    store = stores("evolving")
    ingest(store, "liveuamap-nzz", evolving_maps(path, random.Random(SEED), days=40), workers=1)
    yield store
    stores.close()


def claim_window(claim) -> tuple[str, str] | None:
    """A claim's window as ISO dates (start, end), or None."""
    return (claim.window.start.isoformat(), claim.window.end.isoformat()) if claim.window else None


def sqlite_only(store, why: str) -> None:
    """Skip a test of a store-file behaviour on another backend, saying why."""
    from frontwatch.store import SQLiteStore

    if not isinstance(store, SQLiteStore):
        pytest.skip(f"SQLite store files only: {why}")
