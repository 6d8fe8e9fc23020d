"""Output of rows as a table, CSV, JSON or GeoJSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import orjson
from rich.console import Console
from rich.table import Table

from .results import Result, json_default, plain

FORMATS = ("table", "csv", "json")
MISSING = {"population": "unknown"}
"""What a table shows for an empty value in these columns (CSV leaves the cell empty,
JSON gives null)."""


def utf8_text(text: object) -> str:
    """``text`` as a string that encodes as UTF-8: the bytes of a file name that are not
    UTF-8 (Python keeps them as surrogate escapes) are written ``\\xNN``."""
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def terminal_text(text: object) -> str:
    """``text`` fit for a terminal: :func:`utf8_text`, with control characters (an escape
    sequence in a file name, say) written as Python escapes."""
    return "".join(c if c.isprintable() or c in " \n" else repr(c)[1:-1] for c in utf8_text(text))


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
    """``obj`` as indented JSON; typed results (:class:`frontwatch.results.Result`) as their
    ``as_dict()``."""
    return orjson.dumps(obj, default=json_default, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
                        | orjson.OPT_PASSTHROUGH_DATACLASS).decode()  # fmt: skip


def _pair_columns(rows: Sequence[dict], columns: Sequence[str]) -> set[str]:
    """Columns whose values are (lon, lat) pairs: CSV gives them two columns."""
    return {c for c in columns
            if any(isinstance(r.get(c), list | tuple) for r in rows)
            and all(r.get(c) is None or (isinstance(r.get(c), list | tuple) and len(r[c]) == 2
                                         and all(isinstance(x, int | float) for x in r[c])) for r in rows)}  # fmt: skip


def to_csv(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """CSV with one value a cell: a (lon, lat) pair is two columns ``<c>_lon``, ``<c>_lat``."""
    pairs = _pair_columns(rows, columns)
    head = [x for c in columns for x in ((f"{c}_lon", f"{c}_lat") if c in pairs else (c,))]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    for r in rows:
        out: list = []
        for c in columns:
            v = r.get(c)
            if c in pairs:
                out.extend(v if v is not None else ("", ""))
            else:
                out.append("" if v is None else (v if not isinstance(v, list | dict) else _cell(v)))
        w.writerow(out)
    return buf.getvalue()


def print_table(
    rows: Sequence[dict],
    columns: Sequence[str],
    *,
    title: str | None = None,
    caption: str | None = None,
    console: Console | None = None,
) -> None:
    """A table; numbers are never wrapped: when the numbers and the narrowest text do not fit
    the terminal, each row is printed as ``column: value`` lines instead."""
    if console is None:
        console = Console(soft_wrap=False)
        if not console.is_terminal:
            console.width = 200
    cells = [[MISSING.get(c, "") if r.get(c) is None else _cell(r.get(c)) for c in columns] for r in rows]
    numeric = [any(isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool) for r in rows)
               for c in columns]  # fmt: skip
    widths = [max([len(row[i]) for row in cells] + [1]) for i in range(len(columns))]
    need = sum(w if num else min(w, MIN_TEXT_WIDTH) for w, num in zip(widths, numeric, strict=True))
    if need + 3 * len(columns) + 1 > console.width:
        _print_vertical(columns, cells, title=title, caption=caption, console=console)
        return
    t = Table(title=title, caption=caption, caption_justify="left", show_lines=False)
    for c, num, w in zip(columns, numeric, widths, strict=True):
        if num:
            t.add_column(c, justify="right", no_wrap=True, min_width=w)
        else:
            t.add_column(c, justify="left", overflow="fold")
    for row in cells:
        t.add_row(*row)
    console.print(t)


MIN_TEXT_WIDTH = 8
"""Text columns fold down to this width before a table turns vertical."""


def _print_vertical(columns, cells, *, title, caption, console) -> None:
    pad = max(len(c) for c in columns)
    if title:
        console.print(title, style="bold", highlight=False)
    for n, row in enumerate(cells):
        if n:
            console.print("")
        for c, v in zip(columns, row, strict=True):
            console.print(f"{c:>{pad}}: {v}", highlight=False, soft_wrap=True)
    if caption:
        console.print(caption, highlight=False)


def emit(
    rows: Sequence[dict] | dict,
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    caption: str | None = None,
    echo=print,
) -> None:
    """Print ``rows`` in ``fmt``; JSON gets the full objects (typed results as their
    ``as_dict()``), table/CSV the ``columns``."""
    rows = rows.as_dict() if isinstance(rows, Result) else plain(list(rows)) if not isinstance(rows, dict) else rows
    if fmt == "json":
        echo(to_json(rows))
        return
    seq = [rows] if isinstance(rows, dict) else list(rows)
    if fmt == "csv":
        echo(to_csv(seq, columns), end="")
    else:
        print_table(seq, columns, title=title, caption=caption)
