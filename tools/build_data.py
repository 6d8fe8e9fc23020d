"""Build the data files the package ships, from the real data sets in ../shared/data.

Run once by a developer (the outputs are committed): ``python tools/build_data.py``.
Writes, under ``frontwatch/data/``:

- ``ukraine-outline.geojson.gz``: geoBoundaries ADM0 of Ukraine (CC BY-SA 4.0), the clip outline;
- ``ukraine-oblasts.geojson.gz``: the 25 oblast-level polygons of OpenStreetMap (ODbL), land only,
  with their names and codes;
- ``occupied-before-2022.geojson.gz``: Crimea and the areas of Donetsk and Luhansk held since
  2014, as DeepStateMap drew them (credit DeepStateMap), clipped to the outline; used to tell
  coverage breaks from changes on the ground.

and copies the bundled sample into ``samples/``.
"""

from __future__ import annotations

import gzip
import lzma
import shutil
import sys
from pathlib import Path

import orjson
import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "frontwatch" / "data"

KEEP_TAGS = ["name", "name:uk", "name:en", "name:ru", "iso3166-2", "katotth", "koatuu"]


def write_geojson_gz(path: Path, features: list[dict], **extra) -> None:
    doc = {"type": "FeatureCollection", **extra, "features": features}
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(orjson.dumps(doc))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    src = SHARED / "boundaries" / "geoboundaries" / "ukraine-boundary.geojson.gz"
    outline_doc = orjson.loads(gzip.open(src).read())
    write_geojson_gz(
        OUT / "ukraine-outline.geojson.gz",
        outline_doc["features"],
        attribution="geoBoundaries (CC BY-SA 4.0), ADM0 of Ukraine, with Crimea",
    )
    outline = shape(outline_doc["features"][0]["geometry"])

    osm = orjson.loads(gzip.open(SHARED / "boundaries" / "osm" / "Ukraine.geojson.gz").read())
    feats = []
    for f in osm["features"]:
        props = {k: f["properties"].get(k) for k in KEEP_TAGS}
        feats.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    feats.sort(key=lambda f: f["properties"]["iso3166-2"] or "")
    write_geojson_gz(
        OUT / "ukraine-oblasts.geojson.gz",
        feats,
        attribution="© OpenStreetMap contributors (ODbL)",
    )

    # Areas held before 2022, from the first DeepState revision that names them in English.
    layers: dict[str, list] = {"crimea": [], "occupied_since_2014": []}
    revision = None
    with lzma.open(SHARED / "deepstate-history" / "deepstate-revisions-2022-2025.jsonl.xz") as fh:
        for line in fh:
            obj = orjson.loads(line)
            names = {(f["properties"].get("name") or "").split("///")[-1].strip() for f in obj["map"]["features"]}
            if {"CADR and CALR", "Occupied Crimea"} <= names:
                revision = obj
                break
    if revision is None:
        print("no DeepState revision names CADR and CALR", file=sys.stderr)
        return 1
    for f in revision["map"]["features"]:
        name = (f["properties"].get("name") or "").split("///")[-1].strip()
        geom = f.get("geometry")
        if not geom:
            continue
        g = shapely.force_2d(shape(geom))
        if name in ("Occupied Crimea", "Occupied Tuzla Island"):
            layers["crimea"].append(g)
        elif name == "CADR and CALR":
            layers["occupied_since_2014"].append(g)
    feats = []
    for key, geoms in layers.items():
        g = shapely.intersection(shapely.make_valid(shapely.union_all(geoms)), outline)
        feats.append({"type": "Feature", "properties": {"region": key}, "geometry": mapping(g)})
    write_geojson_gz(
        OUT / "occupied-before-2022.geojson.gz",
        feats,
        attribution=f"DeepStateMap, revision of {revision['published_utc']}, clipped to Ukraine",
    )

    samples = ROOT / "samples"
    lua = samples / "liveuamap-nzz"
    ds = samples / "deepstate"
    for d in (lua, ds):
        d.mkdir(parents=True, exist_ok=True)
    for p in sorted((SHARED / "liveuamap-nzz" / "daily").glob("2022-0[89]-*.json.gz")):
        if "2022-08-20" <= p.name[:10] <= "2022-09-20":
            shutil.copyfile(p, lua / p.name)
    for p in sorted((SHARED / "deepstate" / "daily").glob("deepstatemap_data_2024*.geojson.gz")):
        day = p.name[18:26]
        if "20241031" <= day <= "20241202":
            shutil.copyfile(p, ds / p.name)
    print("wrote", *sorted(x.name for x in OUT.iterdir()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
