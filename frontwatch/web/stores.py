"""One read-only store connection per worker thread.

FastAPI answers requests in a pool of threads; each thread opens the store once and keeps
it, read-only (``open_store(..., read_only=True)``): no query of the web app writes to the
store.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..store import Store, open_store


class StorePool:
    """Stores of one file, one per thread that asks (:meth:`get`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        open_store(self.path, create=False, read_only=True).close()  # fail now, not at the first request
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        """This thread's store, opened read-only on first use."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.path, create=False, read_only=True)
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    @property
    def opened(self) -> int:
        """How many connections are open (one per thread that answered a request)."""
        return len(self._all)

    def close(self) -> None:
        with self._lock:
            for s in self._all:
                try:
                    s.close()
                except Exception:  # noqa: BLE001 (a connection of another thread: closed with the process)
                    pass
            self._all.clear()
