"""One read-only store connection per worker thread.

FastAPI answers requests in a pool of threads; each thread opens the store once and keeps
it. The connection is put in SQLite's ``query_only`` mode, so that no query of the web app
can write: the library's caches that a query would add are skipped (it computes them
again), as for a store that cannot be written.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..store import SQLiteStore, Store, open_store


class StorePool:
    """Stores of one file, one per thread that asks (:meth:`get`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        open_store(self.path, create=False).close()  # fail now, not at the first request
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        """This thread's store, opened read-only on first use."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.path, create=False)
            if isinstance(store, SQLiteStore):
                store.conn.execute("PRAGMA query_only = ON")
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
