"""The settings of the web app: one registry ``(name, default, help)`` that feeds the
``serve`` command's options, :func:`create_app` and the docs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("timeout_s", 30.0, "Longest a request may compute (seconds); past it the answer is a 503 error."),
    Setting("max_body_bytes", 262_144, "Largest request body (bytes); a larger one is refused with 413."),
    Setting("threads", 8, "Worker threads that answer requests, each with its own read-only store connection."),
    Setting("tiles_url", "", "Online tiles drawn under the map, as an {z}/{x}/{y} URL template; empty: none "
                             "(the page then loads nothing from the internet)."),
    Setting("tiles_attribution", "", "Credit line of the online tiles."),
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """Values of :data:`SETTINGS` (defaults where not given)."""

    timeout_s: float = 30.0
    max_body_bytes: int = 262_144
    threads: int = 8
    tiles_url: str = ""
    tiles_attribution: str = ""

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.max_body_bytes <= 0 or self.threads <= 0:
            raise ValueError("timeout_s, max_body_bytes and threads must be positive")
        if self.tiles_url and not self.tiles_url.startswith(("https://", "http://")):
            raise ValueError(f"tiles_url {self.tiles_url!r}: expected an http(s) URL template with {{z}}/{{x}}/{{y}}")
