"""The coordinate reference system a file declares: WGS84 longitude/latitude or a clear error.

RFC 7946 GeoJSON is WGS84 lon/lat and has no ``crs`` member; files written by GDAL and older
tools still carry one (the GeoJSON 2008 form, ``{"type": "name", "properties": {"name":
"urn:ogc:def:crs:OGC:1.3:CRS84"}}``, or ``{"type": "EPSG", "properties": {"code": 4326}}``).
A declared CRS is compared with WGS84 by pyproj (CRS equality, axis order aside), not by
looking for "4326" in its text.
"""

from __future__ import annotations

from functools import lru_cache

WGS84_NAMES = ("OGC:CRS84", "EPSG:4326")


def crs_problem(member: object) -> str | None:
    """Why a GeoJSON ``crs`` member rules the file out (None when it is absent or WGS84)."""
    if member is None:
        return None
    props = member.get("properties") if isinstance(member, dict) else None
    kind = member.get("type") if isinstance(member, dict) else None
    if kind == "name" and isinstance(props, dict) and isinstance(props.get("name"), str):
        text = props["name"]
    elif kind == "EPSG" and isinstance(props, dict) and isinstance(props.get("code"), int | str):
        text = f"EPSG:{props['code']}"
    else:
        return (f"its 'crs' member {str(member)[:80]!r} names no coordinate system this tool reads "
                "(expected {\"type\": \"name\", \"properties\": {\"name\": ...}})")  # fmt: skip
    return _named_problem(text)


def is_wgs84(crs: object) -> bool:
    """Whether a CRS (anything pyproj takes) is WGS84 geographic, in either axis order."""
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).equals(CRS.from_user_input("OGC:CRS84"), ignore_axis_order=True))


@lru_cache(maxsize=64)
def _named_problem(text: str) -> str | None:
    from pyproj.exceptions import CRSError

    try:
        if is_wgs84(text):
            return None
        from pyproj import CRS

        name = CRS.from_user_input(text).name
    except CRSError:
        return f"its 'crs' member names an unknown coordinate system {text[:80]!r}"
    return (f"its coordinates are in {name} ({text[:80]}), not WGS84 longitude/latitude: reproject it "
            "(e.g. ogr2ogr -t_srs OGC:CRS84 out.geojson in.geojson) and ingest again")  # fmt: skip
