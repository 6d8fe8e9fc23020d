"""What every command shares: the stderr console, the shared options (``--format``,
``--source``, ``--from``/``--to``, ``--side``, ``--land-only``, and ``--db`` after the command
name), opening the store, errors as messages, the progress bar."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable
from functools import wraps

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._format import FORMATS, emit, terminal_text
from .errors import FrontwatchError, IngestIncomplete, StoreNotFound
from .gazetteer import AmbiguousPlace, resolve_one
from .results import Result, plain
from .store import ENV_DB, default_db_path, open_store

err = Console(stderr=True)


def _format_option(extra: tuple[str, ...] = ()):
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS + extra), default="table",
        show_default=True, help="Output format.",
    )  # fmt: skip


_source_option = click.option("--source", "-s", required=True, help="Source name, e.g. deepstate.")


_source_or_all_option = click.option(
    "--source", "-s", required=True,
    help="Source name, or 'all' for every source in the store (one table; in JSON one list, a 'source' in each row).",
)  # fmt: skip


def all_sources(store, run: Callable[[str], dict | Result | list]) -> list[dict]:
    """``run(source)`` for every source of the store (``--source all``), as one list of rows
    (typed results as their ``as_dict()``) with the ``source`` first; a source that cannot
    answer (no map on the date, an unfinished ingest) gets one row with its ``error`` instead."""
    rows: list[dict] = []
    for s in sorted(store.source_names()):
        try:
            got = run(s)
        except (LookupError, IngestIncomplete) as exc:
            rows.append({"source": s, "error": str(exc)})
            continue
        rows.extend({"source": s, **r} for r in plain(got if isinstance(got, list) else [got]))
    return rows


def emit_all_sources(rows: list[dict], columns: list[str], fmt: str, *, title: str | None = None,
                     caption: str = "") -> None:  # fmt: skip
    """Print the rows of :func:`all_sources`: one table with a ``source`` column (JSON: the
    list), the sources' credits in the caption, each source's error as a note."""
    credits = "; ".join(dict.fromkeys(r["attribution"] for r in rows if r.get("attribution")))
    text = " ".join(t for t in (caption, f"Credit: {credits}" if credits else "") if t)
    emit(rows, ["source", *(c for c in columns if c != "source")], fmt, title=title, caption=text or None)
    _warn([f"{r['source']}: {r['error']}" for r in rows if "error" in r], fmt)


def _window_option(fn):
    """Shared ``--from``/``--to`` (both required) of a window."""
    fn = click.option("--to", "end", required=True, help="End date (YYYY-MM-DD).")(fn)
    return click.option("--from", "start", required=True, help="Start date (YYYY-MM-DD).")(fn)


_side_option = click.option(
    "--side", type=click.Choice(["UA", "RU"], case_sensitive=False), default="UA", show_default=True,
    help="The side whose gains are measured.",
)  # fmt: skip
_land_option = click.option(
    "--land-only", is_flag=True,
    help="Measure on land only (OpenStreetMap outline) instead of the geoBoundaries clip outline.",
)  # fmt: skip


def _place(name: str, oblast: str | None):
    """Resolve a place name for the CLI: candidates are listed, never picked silently."""
    notes: list[str] = []
    try:
        place = resolve_one(name, oblast=oblast, explain=notes)
        for note in notes:  # a pick among namesakes is said, with the others
            err.print(f"[yellow]note[/]: {note}. Add --oblast to choose another.", highlight=False)
        return place
    except AmbiguousPlace as exc:
        msg = str(exc)
        cut = msg.find(" To choose")
        raise click.ClickException((msg[:cut] if cut > 0 else msg) + " Add --oblast to choose.") from None


def _db_after_command(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--db`` given after the command name: it wins over one before it (it comes later)."""
    if value is not None:
        root = ctx.find_root()
        if root.obj is None:
            root.obj = {}
        root.obj["db"] = value  # (in place: the command's context shares the dict)
        root.obj["db_after_command"] = True


def add_db_option(cmd: click.Command) -> click.Command:
    """Let ``cmd`` take ``--db`` after its name too (``frontwatch area --db X ...`` as well as
    ``frontwatch --db X area ...``); commands that already have one are left as they are."""
    if not any("--db" in getattr(p, "opts", ()) for p in cmd.params):
        cmd.params.append(click.Option(
            ["--db"], type=click.Path(dir_okay=False), default=None, expose_value=False,
            callback=_db_after_command, help="Store file (as the --db before the command).",
        ))  # fmt: skip
    return cmd


def _store(ctx: click.Context, *, create: bool = False, adopt: bool = False, write: bool = False):
    """The store of ``--db``; only ``ingest`` creates one (or adopts a foreign file). Opened
    read-only unless the command writes (``create`` or ``write``): a query writes nothing.
    It is closed when the command ends."""
    try:
        store = open_store(ctx.obj["db"], create=create, adopt=adopt, read_only=not (create or write))
    except StoreNotFound as exc:  # (say whether --db, $FRONTWATCH_DB or the default named it)
        how = {"ENVIRONMENT": f"from ${ENV_DB}", "DEFAULT": "the default store, in the user data directory"}
        given = ctx.find_root().get_parameter_source("db")
        named = "from --db" if ctx.obj.get("db_after_command") else how.get(given.name if given else "", "from --db")
        raise StoreNotFound(exc.path, named) from None
    store.max_lag_days = ctx.obj["max_lag"]
    ctx.call_on_close(store.close)
    return store


ENV_DEBUG = "FRONTWATCH_DEBUG"
DEFAULT_MAX_LAG = 7
"""Days a map may lag an asked date before the CLI refuses the answer (ISW has no map from
2022-12 to 2023-04: a date in that gap is an error, not a months-old map)."""


def handle_errors(fn):
    """Every error ends as a message naming what went wrong and a non-zero exit, never a
    traceback (``$FRONTWATCH_DEBUG=1`` shows the traceback of an unexpected one)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except FrontwatchError as exc:
            raise click.ClickException(terminal_text(exc)) from None
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"store {_db_name()}: {exc}") from None
        except OSError as exc:
            where = exc.filename if exc.filename is not None else _db_name()
            raise click.ClickException(f"{terminal_text(where)}: {exc.strerror or exc}") from None
        except OverflowError as exc:
            raise click.ClickException(f"a value out of range ({exc})") from None
        except MemoryError:
            raise click.ClickException("out of memory") from None
        except Exception as exc:
            if os.environ.get(ENV_DEBUG):
                raise
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__}: {terminal_text(exc)}); this is a bug in Frontwatch: "
                f"please report it (set {ENV_DEBUG}=1 for the traceback)"
            ) from None

    return wrapper


def _db_name() -> str:
    ctx = click.get_current_context(silent=True)
    db = ((ctx.find_root().obj or {}) if ctx else {}).get("db")
    return str(db if db is not None else default_db_path())


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


class _progress:
    """A progress bar on stderr (off when stderr is not a terminal), called as
    ``bar(done, total, name="")``. It has no refresh thread: it redraws from the calls, at
    most ten times a second, so that worker processes can be forked while it shows."""

    def __init__(self, label: str) -> None:
        self.bar = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=err, transient=True,
            disable=not err.is_terminal, auto_refresh=False,
        )  # fmt: skip
        self.last = 0.0

    def __enter__(self) -> _progress:
        self.bar.__enter__()
        self.task = self.bar.add_task("", total=None)
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, name: str = "") -> None:
        self.bar.update(self.task, completed=done, total=total, description=escape(terminal_text(name)))
        now = time.monotonic()
        if now - self.last >= 0.1 or done == total:
            self.bar.refresh()
            self.last = now


def _listed(prefix: str, lines: list[str], label: str, limit: int = 20) -> None:
    """Print up to ``limit`` lines on stderr, then how many more there are."""
    for line in lines[:limit]:
        err.print(f"[yellow]{label}[/]: {escape(terminal_text(prefix + line))}", highlight=False)
    if len(lines) > limit:
        err.print(f"[yellow]{label}[/]: {prefix}and {len(lines) - limit} more (--format json lists them all)",
                  highlight=False)  # fmt: skip


def _warn(lines, fmt):
    if fmt == "table":
        for line in lines:
            err.print(f"[yellow]note[/]: {line}")


def parse_window(text: str) -> int:
    """Days in a window written as ``7d``, ``2w`` or ``7``."""
    m = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text.lower())
    if not m:
        raise click.BadParameter(f"{text!r}: expected a length like 3d, 7d or 2w", param_hint="--window")
    n = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    if not 1 <= n <= MAX_WINDOW_DAYS:
        raise click.BadParameter(f"{text!r}: a window is 1 to {MAX_WINDOW_DAYS:,} days long", param_hint="--window")
    return n


MAX_WINDOW_DAYS = 36_525
"""The longest window (days): a century, longer than any history."""
