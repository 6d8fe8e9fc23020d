"""Fetch today's maps from the live sources, keep the raw answers, ingest them.

:func:`update` is what ``frontwatch update`` runs: for each source, fetch what the cache
does not hold (:mod:`.sources`), then ingest the new files in one go (the ingest's own rules
apply: the same bytes are a no-op, a bad file leaves the store as it was).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_data_dir

from ..ingest import ingest
from ..store import Store
from .cache import RawCache
from .http import Client, FetchError
from .sources import DEFAULT_BASE, FETCHERS, Fetched

__all__ = ["DEFAULT_BASE", "FETCHERS", "Client", "FetchError", "RawCache", "UpdateResult", "default_cache", "update"]


@dataclass
class UpdateResult:
    """One source's update: what was fetched and what the ingest added."""

    fetched: Fetched
    added: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        f = self.fetched
        if self.error:
            return f"{f.source}: failed: {self.error}"
        parts = [f"{f.maps_fetched} map(s) fetched", f"{f.already_cached} already cached",
                 f"{self.added} snapshot(s) added"]  # fmt: skip
        if f.latest:
            parts.append(f"latest {f.latest}")
        return f"{f.source}: " + ", ".join(parts) + ("; " + "; ".join(f.notes) if f.notes else "")

    def as_dict(self) -> dict:
        f = self.fetched
        return {"source": f.source, "maps_fetched": f.maps_fetched, "already_cached": f.already_cached,
                "snapshots_added": self.added, "latest": f.latest, "files": [str(p) for p in f.files],
                "notes": f.notes, "warnings": self.warnings, "error": self.error}  # fmt: skip


def default_cache(store: Store) -> Path:
    """Where the raw answers are kept: ``<store>.raw/`` beside a store file; for a store on
    a database server (``postgresql://…``), a folder named after its host, port and
    database (never its password) in the user's data folder: pass ``cache_dir`` to share
    one between machines."""
    path = str(store.path)
    if "://" not in path:
        return Path(f"{path}.raw")
    url = urlsplit(path)
    database = url.path.strip("/") or url.username or "default"
    name = "-".join(str(p) for p in (url.hostname or "local", url.port, database) if p)
    return Path(user_data_dir("frontwatch")) / "raw" / (re.sub(r"[^\w.-]+", "_", name) + ".raw")


def _since(store: Store, source: str) -> dt.date | None:
    """The day after the newest stored map of a source (its day itself for DeepState, which
    publishes several revisions a day), or None when the store has none."""
    records = store.snapshots(source)
    if not records:
        return None
    last = dt.date.fromisoformat(str(max(r.valid_time for r in records))[:10])
    return last if source == "deepstate" else last + dt.timedelta(days=1)


def _since_cached(cache: RawCache, source: str) -> dt.date | None:
    """The day after the newest day already fetched of a source kept by day (its maps can lag
    their fetch day: the store's newest map is then older than the newest fetch)."""
    days = [p.name[:10] for p in cache.files(source) if source == "liveuamap-nzz"]
    return dt.date.fromisoformat(max(days)) + dt.timedelta(days=1) if days else None


def update(store: Store, sources: list[str], *, base_urls: dict[str, str] | None = None,
           since: dt.date | None = None, cache_dir: str | Path | None = None, client: Client | None = None,
           progress=None, today: dt.date | None = None) -> list[UpdateResult]:  # fmt: skip
    """Fetch and ingest the new maps of ``sources``; one result per source, in order. A
    source that fails is reported in its result and does not stop the others."""
    client = client or Client()
    cache = RawCache(cache_dir or default_cache(store))
    results = []
    for source in sources:
        if source not in FETCHERS:
            raise FetchError(source, f"no fetcher for this source; known: {', '.join(sorted(FETCHERS))}")
        base = (base_urls or {}).get(source) or DEFAULT_BASE[source]
        start = since or _since_cached(cache, source) or _since(store, source)
        kw = {"today": today} if source != "deepstate" else {}
        try:
            fetched = FETCHERS[source](client, cache, base, start, **kw)
        except FetchError as exc:
            results.append(UpdateResult(Fetched(source), error=str(exc)))
            continue
        result = UpdateResult(fetched)
        if fetched.files:
            summary = ingest(store, source, fetched.files, progress=progress)
            result.added = summary.added
            result.warnings = summary.warnings + summary.flags
            if summary.errors:
                result.error = "; ".join(summary.errors)
        results.append(result)
    return results
