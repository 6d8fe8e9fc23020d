"""A small, polite HTTP client for the fetchers: a clear User-Agent, timeouts, conditional
requests (ETag / If-Modified-Since), and retries with exponential backoff and full jitter on
connection faults, timeouts, truncated bodies, 5xx and 429 (honouring ``Retry-After``).

Only the standard library: the live sources are a handful of GET requests a day.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from ..errors import FetchError  # (defined there since #12, importable here as before)

try:
    _VERSION = version("frontwatch")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    _VERSION = "0+unknown"
USER_AGENT = f"frontwatch/{_VERSION} (+https://github.com/frontwatch; territorial-control maps, areas only)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class Response:
    """A response as fetched: status, body, headers, and its provenance."""

    url: str
    status: int
    body: bytes
    headers: dict[str, str]
    fetched_at: str
    """UTC time of the response (ISO 8601)."""
    sha256: str = ""
    """sha256 of the body exactly as received."""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Client:
    """GET with retries. ``sleep`` and ``clock`` are injectable so that tests need not wait."""

    timeout_s: float = 60.0
    retries: int = 5
    backoff_s: float = 1.0
    max_wait_s: float = 120.0
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    requests: int = 0
    waits: list[float] = field(default_factory=list)

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str = "application/json") -> Response:  # fmt: skip
        """GET ``url``; a 304 answer to the validators comes back with ``not_modified``."""
        headers = {"User-Agent": self.user_agent, "Accept": accept, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        problem = ""
        for attempt in range(self.retries + 1):
            retry_after = None
            try:
                self.requests += 1
                req = urllib.request.Request(url, headers=headers, method="GET")
                with urllib.request.urlopen(req, timeout=self.timeout_s) as r:
                    body = _read_all(r)
                    return _response(url, r.status, body, r.headers)
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return _response(url, 304, b"", exc.headers)
                if exc.code not in RETRY_STATUS:
                    raise FetchError(url, f"HTTP {exc.code} {exc.reason}") from None
                problem = f"HTTP {exc.code} {exc.reason}"
                retry_after = _retry_after(exc.headers.get("Retry-After"))
            except TimeoutError:
                problem = f"no answer within {self.timeout_s:g} s"
            except http.client.IncompleteRead as exc:
                problem = f"truncated body ({len(exc.partial)} bytes received, more announced)"
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError | socket.timeout):
                    problem = f"no answer within {self.timeout_s:g} s"
                else:
                    problem = f"connection failed ({reason})"
            if attempt == self.retries:
                break
            wait = self._wait(attempt, retry_after)
            self.waits.append(wait)
            self.sleep(wait)
        raise FetchError(url, f"{problem}; gave up after {self.retries + 1} attempts")

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff; a server's ``Retry-After`` is a floor."""
        wait = self.rng.uniform(0, self.backoff_s * 2**attempt)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_wait_s)


def _read_all(r) -> bytes:
    body = r.read()
    announced = r.headers.get("Content-Length")
    if announced is not None and announced.isdigit() and len(body) < int(announced):
        raise http.client.IncompleteRead(body, int(announced) - len(body))
    return body


def _response(url: str, status: int, body: bytes, headers) -> Response:
    return Response(
        url=url, status=status, body=body, headers={k.lower(): v for k, v in (headers or {}).items()},
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"), sha256=hashlib.sha256(body).hexdigest(),
    )  # fmt: skip


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
