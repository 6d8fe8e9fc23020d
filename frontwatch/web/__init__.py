"""The web map and JSON API: ``create_app(store)`` (FastAPI), served by ``frontwatch serve``."""

from .app import create_app
from .settings import SETTINGS, Settings

__all__ = ["SETTINGS", "Settings", "create_app"]
