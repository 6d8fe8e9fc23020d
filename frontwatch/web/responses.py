"""JSON and GeoJSON responses written with orjson (shapely geometries never reach them)."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from ..results import json_default


class JSON(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content, default=json_default, option=orjson.OPT_NON_STR_KEYS
                            | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATACLASS)  # fmt: skip


class GeoJSON(JSON):
    media_type = "application/geo+json"
