"""Build the neighbours basemap the maps and the web page draw around Ukraine.

Run once by a developer (the output is committed): ``python tools/build_basemap.py``.
It takes Natural Earth's 1:10m Admin 0 countries (public domain) from the npm registry's
``world-atlas`` package (a TopoJSON redistribution, ISC licence), by ``npm pack`` into a
temporary folder, and writes ``frontwatch/data/neighbours.geojson.gz``: every country that
reaches the region around Ukraine, clipped to it, with Ukraine's own shipped land outline
(OpenStreetMap's oblasts) cut out, so that Crimea is drawn from Frontwatch's outline, never
from a neighbour's polygon. Each neighbour is first grown by about 2 km into Natural Earth's
Ukraine (never into the sea nor into another neighbour), so that no sliver opens between its border and the shipped one.
Simplified to about 200 m and rounded to 4 decimals (about 10 m).

The sea is whatever no polygon covers: the maps paint it as their background.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import orjson
import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frontwatch.boundaries import clip_outline  # noqa: E402

PACKAGE = "world-atlas@2.0.2"
MEMBER = "package/countries-10m.json"
OUT = ROOT / "frontwatch" / "data" / "neighbours.geojson.gz"
REGION = (18.0, 41.0, 46.0, 56.5)  # lon/lat box the maps can show around Ukraine
SIMPLIFY_DEG = 0.002
GROW_DEG = 0.02
ATTRIBUTION = "Natural Earth (public domain), 1:10m Admin 0 countries, via world-atlas 2.0.2"


def topology() -> dict:
    """The TopoJSON of world-atlas, from the npm registry (``npm pack``)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, capture_output=True)
        tgz = next(Path(tmp).glob("world-atlas-*.tgz"))
        with tarfile.open(tgz) as tar:
            return orjson.loads(tar.extractfile(MEMBER).read())


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """The arcs of a quantized topology in lon/lat (delta-decoded, then transformed)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    """A ring from arc indexes (``~i`` is arc ``i`` reversed); shared end points once."""
    pts: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(arc if not pts else arc[1:])
    return pts


def geometry(arcs: list, geom: dict) -> shapely.Geometry:
    polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom.get("arcs", [])
    parts = []
    for rings in polys:
        shell, *holes = (ring(arcs, r) for r in rings)
        if len(shell) >= 4:
            parts.append(shapely.Polygon(shell, [h for h in holes if len(h) >= 4]))
    return shapely.make_valid(shapely.MultiPolygon(parts)) if parts else shapely.Polygon()


def main() -> int:
    topo = topology()
    arcs = decode_arcs(topo)
    box = shapely.box(*REGION)
    ukraine = clip_outline("osm-land")
    countries = {g["properties"]["name"]: geometry(arcs, g) for g in topo["objects"]["countries"]["geometries"]
                 if "arcs" in g}  # fmt: skip
    countries = {k: shapely.intersection(v, box) for k, v in countries.items() if v.intersects(box)}
    ne_ukraine = countries["Ukraine"]
    feats = []
    for name, geom in countries.items():
        if name == "Ukraine":
            continue
        grown = shapely.intersection(shapely.buffer(geom, GROW_DEG), ne_ukraine)
        geom = shapely.difference(shapely.union(geom, grown), ukraine)
        geom = shapely.set_precision(shapely.simplify(geom, SIMPLIFY_DEG), 1e-4)
        geom = shapely.make_valid(geom)
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1e-5]
        if not polys:
            continue
        feats.append({"type": "Feature", "properties": {"name": name},
                      "geometry": mapping(shapely.MultiPolygon(polys))})  # fmt: skip
    feats.sort(key=lambda f: f["properties"]["name"])
    doc = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "region": REGION, "features": feats}
    with gzip.GzipFile(OUT, "wb", mtime=0) as fh:
        fh.write(orjson.dumps(doc))
    print(f"{OUT.relative_to(ROOT)}: {len(feats)} countries, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
