"""PNG maps of changes and charts of series, as the CLI's ``--plot`` draws them (kept for
its callers; the drawing lives in :mod:`.maps` and :mod:`.charts`)."""

from __future__ import annotations

from .charts import series_chart
from .maps import change_map

__all__ = ["change_map", "series_chart"]
