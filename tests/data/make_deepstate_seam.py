"""Writes ``deepstate-seam.jsonl``: one DeepState revision with a seam, for the default tests.

Two occupied features drawn as DeepState draws them: "CADR and CALR" (held since 2014, east)
and "Occupied" (west) meet along a wiggly old line (placed between Kharkiv and Dnipro, away
from the border and from the areas really held before 2022, which a map this small would
leave "not covered"), each with its own vertices
along it, set a few decimetres apart: where they part, a hairline gap; where they cross,
an overlap. The gap runs as holes between the overlaps and opens to the outside at both
ends. A real Ukrainian-held pocket (about 1.5 × 1.1 km) lies inside the CADR feature. A
unit's Point feature is there too (never read). Run ``python tests/data/make_deepstate_seam.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

WEST, EAST, SOUTH, NORTH = 35.00, 35.70, 48.90, 49.50
POCKET = (35.50, 49.10, 35.52, 49.11)  # lon0, lat0, lon1, lat1
PUBLISHED = "2024-11-30T21:21:39Z"


def seam_lon(lat: np.ndarray) -> np.ndarray:
    """The old line: lon as a function of lat (a few km of wiggle)."""
    return 35.35 + 0.02 * np.sin((lat - SOUTH) * 40.0)


def features() -> list[dict]:
    lat_w = np.linspace(SOUTH, NORTH, 481)  # the west feature's vertices along the old line
    lat_e = np.linspace(SOUTH, NORTH, 373)  # the east feature's: other vertices, other places
    # apart by up to ~0.6 m (1e-5° of longitude ≈ 0.74 m here), crossing in places
    part = 4e-6 * (1.0 + np.sin((lat_w - SOUTH) * 25.0))
    west_edge = list(zip(seam_lon(lat_w) - part, lat_w, strict=True))
    east_edge = list(zip(seam_lon(lat_e) + 2e-6, lat_e, strict=True))
    occupied = [(WEST, SOUTH), *west_edge, (WEST, NORTH), (WEST, SOUTH)]
    cadr = [east_edge[-1], *east_edge[-2::-1], (EAST, SOUTH), (EAST, NORTH), east_edge[-1]]
    x0, y0, x1, y1 = POCKET
    pocket = [(x0, y0), (x0, y1), (x1, y1), (x1, y0), (x0, y0)]

    def ring(pts):
        return [[round(float(x), 10), round(float(y), 10), 0] for x, y in pts]

    def poly(name, fill, rings):
        return {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring(r) for r in rings]},
            "properties": {"name": name, "fill": fill, "stroke": fill, "fill-opacity": 0.25},
        }

    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [35.2, 49.2, 0]},
            "properties": {"name": "unit (never read)", "styleUrl": "#icon-1603"},
        },
        poly("Окуповано /// Occupied /// geoJSON.status.occupied", "#a52714", [occupied]),
        poly("ОРДЛО /// CADR and CALR /// geoJSON.territories.ordlo", "#a52714", [cadr, pocket]),
    ]


def main() -> None:
    revision = {
        "revision": 1733001699,
        "published_utc": PUBLISHED,
        "map": {"type": "FeatureCollection", "features": features()},
    }
    out = Path(__file__).with_name("deepstate-seam.jsonl")
    out.write_bytes(orjson.dumps(revision) + b"\n")


if __name__ == "__main__":
    main()
