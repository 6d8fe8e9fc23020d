"""The web map and JSON API: ``create_app(store)`` (FastAPI), served by ``frontwatch serve``.

``create_app`` is imported when first asked for: the CLI reads the settings' registry
to build ``serve``'s options, and every other command would otherwise pay for importing
FastAPI (about 0.2 s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import SETTINGS, Settings

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["SETTINGS", "Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
