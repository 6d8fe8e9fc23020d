"""JSON and GeoJSON responses written with orjson (shapely geometries never reach them)."""

from __future__ import annotations

import orjson
from starlette.responses import Response


class JSON(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


class GeoJSON(JSON):
    media_type = "application/geo+json"
