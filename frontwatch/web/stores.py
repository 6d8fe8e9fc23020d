"""One read-only store connection per worker thread.

FastAPI answers requests in a pool of threads; each thread opens the store once and keeps
it, read-only (``open_store(..., read_only=True)``): no query of the web app writes to the
store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..store import Store, open_store


class StorePool:
    """Stores of one file, one per thread that asks (:meth:`get`, :meth:`using`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        open_store(self.path, create=False, read_only=True).close()  # fail now, not at the first request
        self._local = threading.local()
        self._all: list[tuple[Store, threading.Lock]] = []
        self._lock = threading.Lock()
        self._closed = False

    def _own(self) -> tuple[Store, threading.Lock]:
        own = getattr(self._local, "own", None)
        if own is None:
            own = self._local.own = (open_store(self.path, create=False, read_only=True), threading.Lock())
            with self._lock:
                self._all.append(own)
        return own

    def get(self) -> Store:
        """This thread's store, opened read-only on first use."""
        return self._own()[0]

    @contextmanager
    def using(self) -> Iterator[Store]:
        """This thread's store while a request uses it: :meth:`close` does not close it under
        the request (one abandoned past its time limit goes on in its thread); it is closed
        here once the request ends, if the pool was closed meanwhile."""
        store, busy = self._own()
        with busy:
            try:
                yield store
            finally:
                if self._closed:
                    store.close()

    @property
    def opened(self) -> int:
        """How many connections are open (one per thread that answered a request)."""
        return len(self._all)

    def close(self) -> None:
        """Close the stores not in use; those in use are interrupted (SQLite) and closed by
        their request when it ends (closing a connection another thread runs a query on
        can crash the process)."""
        with self._lock:
            self._closed = True
            for store, busy in self._all:
                if busy.acquire(blocking=False):
                    try:
                        store.close()
                    finally:
                        busy.release()
                elif hasattr(store, "conn") and hasattr(store.conn, "interrupt"):
                    store.conn.interrupt()
            self._all.clear()
