"""One JSON shape for every error the web app answers, and the status of each error class.

``{"error": {"status": 404, "type": "UnknownSource", "message": "...", ...}}``: ``type`` is
the exception's class name; fields the exception keeps (``known``, ``candidates``,
``suggestions``) are added when it has them.
"""

from __future__ import annotations

import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (  # RequestTimeout, BodyTooLarge: defined there since #12, importable here as before
    BodyTooLarge,
    FrontwatchError,
    InvalidDate,
    InvalidWindow,
    RequestTimeout,
    SnapshotNotFound,
    StoreError,
    UnknownSource,
)
from ..gazetteer import AmbiguousPlace, PlaceNotFound, UnknownOblast
from .responses import JSON

STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (AmbiguousPlace, 409),
    (UnknownSource, 404), (SnapshotNotFound, 404), (PlaceNotFound, 404), (UnknownOblast, 404),
    (InvalidDate, 400), (InvalidWindow, 400),
    (BodyTooLarge, 413),
    (RequestTimeout, 503), (StoreError, 503),
    (LookupError, 404), (ValueError, 400),
)  # fmt: skip
"""Status of each error class, most specific first (the first match wins)."""


def status_of(exc: BaseException) -> int:
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def error_body(status: int, kind: str, message: str, **extra) -> dict:
    """The one error shape."""
    return {"error": {"status": status, "type": kind, "message": message, **extra}}


def _extra(exc: BaseException) -> dict:
    out: dict[str, object] = {}
    if isinstance(exc, UnknownSource):
        out["known"] = exc.known
    if isinstance(exc, PlaceNotFound) and exc.suggestions:
        out["suggestions"] = exc.suggestions
    if isinstance(exc, AmbiguousPlace):
        out["candidates"] = [c.place.as_dict() for c in exc.candidates[: AmbiguousPlace.MAX_LISTED]]
    return out


def error_response(status: int, kind: str, message: str, **extra) -> JSON:
    return JSON(error_body(status, kind, message, **extra), status_code=status)


def install(app: FastAPI) -> None:
    """Answer every error in the one shape."""

    @app.exception_handler(FrontwatchError)
    async def frontwatch_error(request: Request, exc: FrontwatchError):
        return error_response(status_of(exc), type(exc).__name__, str(exc), **_extra(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(x) for x in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()]
        where = [{"where": list(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
        return error_response(400, "InvalidParameter", "; ".join(problems), problems=where)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        kind = {404: "NotFound", 405: "MethodNotAllowed", 413: "BodyTooLarge"}.get(exc.status_code, "HTTPError")
        return JSON(error_body(exc.status_code, kind, str(exc.detail)), status_code=exc.status_code,
                    headers=getattr(exc, "headers", None))  # fmt: skip

    @app.exception_handler(LookupError)
    async def lookup_error(request: Request, exc: LookupError):
        return error_response(404, type(exc).__name__, str(exc))

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError):
        return error_response(400, type(exc).__name__, str(exc))

    @app.exception_handler(sqlite3.OperationalError)
    async def store_busy(request: Request, exc: sqlite3.OperationalError):
        return error_response(503, "StoreUnavailable", f"the store cannot answer now ({exc})")
