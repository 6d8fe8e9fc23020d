"""The web app: :func:`create_app` builds a read-only FastAPI app on one store file, with
the JSON API (:mod:`.api`), the map page at ``/`` and its static files (Leaflet, shipped)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..store import Store
from . import docs, errors
from .api import router
from .errors import error_body
from .responses import JSON
from .settings import Settings
from .stores import StorePool

STATIC = Path(str(resources.files("frontwatch").joinpath("web", "static")))


@dataclass
class Context:
    """What the handlers share: settings, the per-thread stores, the thread limiter."""

    settings: Settings
    stores: StorePool
    version: str = __version__
    _limiter: anyio.CapacityLimiter | None = field(default=None, repr=False)

    def limiter(self) -> anyio.CapacityLimiter:
        """The limit on worker threads (made in the event loop, on first use)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.settings.threads)
        return self._limiter


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``limit`` bytes (413), by their
    Content-Length or, without one, as they arrive."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise errors.BodyTooLarge(f"request body larger than {self.limit:,} bytes")
            return message

        return await self.app(scope, counted, send)

    async def _refuse(self, scope, receive, send):
        msg = f"request body larger than {self.limit:,} bytes (the server's max_body_bytes)"
        await JSON(error_body(413, "BodyTooLarge", msg), status_code=413)(scope, receive, send)


def create_app(store: str | Path | Store, settings: Settings | None = None, **overrides) -> FastAPI:
    """The read-only web app on the store file ``store`` (a path, or an open store's file).

    ``settings`` (or keyword ``overrides`` of :class:`Settings`) set the time and size limits,
    the worker threads and optional online tiles. Each worker thread opens its own read-only
    connection to the store.
    """
    settings = settings or Settings(**overrides)
    path = store.path if isinstance(store, Store) else str(store)
    pool = StorePool(path)

    @asynccontextmanager
    async def lifespan(app):
        yield
        pool.close()

    app = FastAPI(title="Frontwatch", version=__version__, default_response_class=JSON, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs below: FastAPI's own pulls Swagger UI from a CDN
                  description="Territorial-control maps of the war in Ukraine as numbers with provenance: "
                              "the same answers as the frontwatch CLI, read-only.")  # fmt: skip
    app.state.fw = Context(settings, pool)
    errors.install(app)
    app.include_router(router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs_page():
        return HTMLResponse(docs.render(app.openapi()))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    return app
