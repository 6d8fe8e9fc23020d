"""The outlines shipped with Frontwatch."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from frontwatch import boundaries


def test_outlines_from_arrays_are_those_of_shape():
    docs = {"ukraine-outline.geojson.gz": None, "ukraine-oblasts.geojson.gz": None,
            "occupied-before-2022.geojson.gz": None}  # fmt: skip
    for name in docs:
        for f in boundaries._read(name)["features"]:
            assert shapely.to_wkb(boundaries._polygonal(f["geometry"])) == shapely.to_wkb(shape(f["geometry"]))
