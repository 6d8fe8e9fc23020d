"""Output of rows as a table, CSV, JSON or GeoJSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import orjson
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")


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
        t.add_row(*(_cell(r.get(c)) for c in columns))
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
