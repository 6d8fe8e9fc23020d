"""Output of rows as a table, CSV, JSON or GeoJSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import orjson
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")
MISSING = {"population": "unknown"}
"""What a table shows for an empty value in these columns (CSV leaves the cell empty,
JSON gives null)."""


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.1f}"
    if isinstance(v, list | tuple):
        if v and all(isinstance(x, float) for x in v):  # coordinates: keep their precision
            return ", ".join(f"{x:.5f}" for x in v)
        return "; ".join(_cell(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}={_cell(x)}" for k, x in v.items())
    return str(v)


def to_json(obj) -> str:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def to_csv(rows: Sequence[dict], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else
                    (r[c] if not isinstance(r[c], list | dict) else _cell(r[c])) for c in columns])  # fmt: skip
    return buf.getvalue()


def print_table(
    rows: Sequence[dict],
    columns: Sequence[str],
    *,
    title: str | None = None,
    caption: str | None = None,
    console: Console | None = None,
) -> None:
    if console is None:
        console = Console(soft_wrap=False)
        if not console.is_terminal:
            console.width = 200
    t = Table(title=title, caption=caption, caption_justify="left", show_lines=False)
    for c in columns:
        numeric = any(isinstance(r.get(c), int | float) for r in rows)
        t.add_column(c, justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        t.add_row(*(MISSING.get(c, "") if r.get(c) is None else _cell(r.get(c)) for c in columns))
    console.print(t)


def emit(
    rows: Sequence[dict] | dict,
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    caption: str | None = None,
    echo=print,
) -> None:
    """Print ``rows`` in ``fmt``; JSON gets the full objects, table/CSV the ``columns``."""
    if fmt == "json":
        echo(to_json(rows))
        return
    seq = [rows] if isinstance(rows, dict) else list(rows)
    if fmt == "csv":
        echo(to_csv(seq, columns), end="")
    else:
        print_table(seq, columns, title=title, caption=caption)
