"""Command-line interface: parse, open the store, call one library function, format."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import sys
import threading
import time
from functools import wraps

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import advance as advance_mod
from . import areas, changes, inventory, settlements
from . import frontline as frontline_mod
from ._format import FORMATS, emit, terminal_text, to_json
from .errors import FrontwatchError, InvalidWindow, StoreNotFound, UnknownSource
from .gazetteer import AmbiguousPlace, resolve_one
from .ingest import ingest as ingest_files
from .sources import ADAPTERS
from .sources._io import ENV_MAX_DOCUMENT_MB, MAX_DOCUMENT_MB
from .store import ENV_DB, default_db_path, open_store
from .timeline import ordered

err = Console(stderr=True)


def _format_option(extra: tuple[str, ...] = ()):
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS + extra), default="table",
        show_default=True, help="Output format.",
    )  # fmt: skip


_source_option = click.option("--source", "-s", required=True, help="Source name, e.g. deepstate.")


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


def _store(ctx: click.Context, *, create: bool = False, adopt: bool = False):
    """The store of ``--db``; only ``ingest`` creates one (or adopts a foreign file). It is
    closed when the command ends."""
    try:
        store = open_store(ctx.obj["db"], create=create, adopt=adopt)
    except StoreNotFound as exc:  # (say whether --db, $FRONTWATCH_DB or the default named it)
        how = {"ENVIRONMENT": f"from ${ENV_DB}", "DEFAULT": "the default store, in the user data directory"}
        given = ctx.find_root().get_parameter_source("db")
        raise StoreNotFound(exc.path, how.get(given.name if given else "", "from --db")) from None
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", envvar=ENV_DB, type=click.Path(dir_okay=False), default=None,
    help=f"Store file (GeoPackage). Default: ${ENV_DB}, else frontwatch.gpkg in the user data dir.",
)  # fmt: skip
@click.option(
    "--max-lag", type=click.IntRange(min=0), default=DEFAULT_MAX_LAG, show_default=True,
    help="Refuse an answer whose map is more than this many days older than the asked date.",
)  # fmt: skip
@click.version_option(package_name="frontwatch")
@click.pass_context
def main(ctx: click.Context, db: str | None, max_lag: int) -> None:
    """Frontwatch: numbers you can trust from the control maps of the war in Ukraine.

    \b
    Example:
      frontwatch ingest liveuamap-nzz ../shared/data/liveuamap-nzz/daily
      frontwatch change --source liveuamap-nzz --from 2022-09-08 --to 2022-09-11 --by oblast
    """
    ctx.obj = {"db": db, "max_lag": max_lag}
    if threading.current_thread() is threading.main_thread():
        # SIGTERM ends a run as Ctrl-C does: workers stopped, the current group of files
        # rolled back (SQLite would do that too), the marks of an unfinished ingest kept
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, previous))


@main.command()
@click.argument("source", type=click.Choice(sorted(ADAPTERS)))
@click.argument("paths", nargs=-1, required=True)
@click.option("--date", help="geojson only: the date the map is valid on (YYYY-MM-DD).")
@click.option("--name", "as_name", help="geojson only: source name to store the map under.")
@click.option("--occupied-property", help="geojson only: property that marks occupied polygons.")
@click.option("--occupied-value", help="geojson only: value of that property meaning occupied.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Validation processes (default: CPUs).")
@click.option("--max-document-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help=f"Refuse a document (a file's content, an archive member, a line of a revision "
                   f"archive) expanding past this size (default {MAX_DOCUMENT_MB:g}, or "
                   f"${ENV_MAX_DOCUMENT_MB}).")  # fmt: skip
@click.option("--adopt", is_flag=True,
              help="Add Frontwatch's tables to an existing SQLite or GeoPackage file that is not a "
                   "Frontwatch store (refused otherwise).")  # fmt: skip
@_format_option()
@click.pass_context
@handle_errors
def ingest(ctx, source, paths, date, as_name, occupied_property, occupied_value, workers, max_document_mb, adopt,
           fmt):  # fmt: skip
    """Ingest files, folders or globs of SOURCE into the store.

    Each file is one transaction: a bad file is reported by name and leaves the store as it
    was; the same bytes again are a no-op.

    \b
    Example:
      frontwatch ingest deepstate ../shared/data/deepstate-history ../shared/data/deepstate/daily
      frontwatch ingest geojson mymap.geojson --date 2024-05-01 --name mine \\
          --occupied-property status --occupied-value occupied
    """
    options = {}
    if source == "geojson":
        options = {"date": date, "source": as_name or "geojson",
                   "occupied_property": occupied_property, "occupied_value": occupied_value}  # fmt: skip
    if max_document_mb is not None:  # (through the environment: worker processes read it too)
        previous = os.environ.get(ENV_MAX_DOCUMENT_MB)
        os.environ[ENV_MAX_DOCUMENT_MB] = repr(max_document_mb)
        ctx.call_on_close(lambda: _restore_env(ENV_MAX_DOCUMENT_MB, previous))
    store = _store(ctx, create=True, adopt=adopt)
    with _progress(f"ingest {source}") as bar:
        summary = ingest_files(store, source, list(paths), workers=workers, progress=bar, options=options,
                               on_wait=lambda msg: err.print(f"[yellow]note[/]: {msg}"))  # fmt: skip
    d = summary.as_dict()
    if fmt == "json":
        click.echo(to_json(d))
    else:
        rows = [{"what": k, "count": d[k]} for k in ("files", "snapshots_added")]
        rows += [{"what": "files_already_ingested: in the store before this run",
                  "count": d["files_already_ingested"] - d["files_repeated_in_run"]},
                 {"what": "files_already_ingested: repeating a file of this run",
                  "count": d["files_repeated_in_run"]}]  # fmt: skip
        rows += [{"what": k, "count": d[k]} for k in ("duplicate_snapshots", "superseded", "repaired")]
        rows.append({"what": "flags (coverage breaks, faults)", "count": len(d["flags"])})
        emit(rows, ["what", "count"], fmt, title=f"ingest {summary.source} into {store.path}")
        if fmt == "table":
            _listed("", d["flags"], "flag")
            _listed("", d["warnings"], "warning")
    for line in d["errors"]:
        err.print(f"[red]error[/]: {escape(terminal_text(line))}", soft_wrap=True)
    if d["errors"]:
        sys.exit(1)


@main.command("sources")
@_format_option()
@click.pass_context
@handle_errors
def sources_cmd(ctx, fmt):
    """List the sources in the store: date ranges, snapshot counts, coverage.

    \b
    Example:
      frontwatch sources --format json
    """
    rows = inventory.sources_summary(_store(ctx))
    for r in rows:
        r["flags_count"] = len(r["flags"]) + len(r["coverage_breaks"])
    emit(rows, ["source", "first_date", "last_date", "snapshots", "files", "superseded",
                "excluded", "flags_count", "coverage"], fmt, title="sources in the store",
         caption="; ".join(f"{r['source']}: {r['attribution']}" for r in rows))  # fmt: skip
    if fmt == "table":
        for r in rows:
            if r["unfinished_ingest"]:
                err.print(f"[red]unfinished[/]: {escape(terminal_text(r['source']))}: "
                          f"{escape(terminal_text(r['unfinished_ingest']))}", highlight=False, soft_wrap=True)  # fmt: skip
            _listed(f"{r['source']}: ", r["coverage_breaks"] + r["flags"], "flag")


def _listed(prefix: str, lines: list[str], label: str, limit: int = 20) -> None:
    """Print up to ``limit`` lines on stderr, then how many more there are."""
    for line in lines[:limit]:
        err.print(f"[yellow]{label}[/]: {escape(terminal_text(prefix + line))}", highlight=False)
    if len(lines) > limit:
        err.print(f"[yellow]{label}[/]: {prefix}and {len(lines) - limit} more (--format json lists them all)",
                  highlight=False)  # fmt: skip


@main.command()
@_source_option
@click.option("--on", "day", required=True, help="Date (YYYY-MM-DD).")
@_land_option
@_format_option()
@click.pass_context
@handle_errors
def area(ctx, source, day, land_only, fmt):
    """Occupied area of a source on a date (geodesic, WGS84, km²).

    \b
    Example:
      frontwatch area --source liveuamap-nzz --on 2022-09-08
    """
    row = areas.area_on(_store(ctx), source, day, land_only=land_only)
    emit(row, ["source", "asked_date", "snapshot_date", "lag_days", "occupied_km2",
               "share_of_ukraine_pct", "coverage"], fmt,
         caption=f"{row['denominator']}. Credit: {row['attribution']}")  # fmt: skip
    _warn(row.get("warnings", []), fmt)


def _warn(lines, fmt):
    if fmt == "table":
        for line in lines:
            err.print(f"[yellow]note[/]: {line}")


CHANGE_COLUMNS = ["source", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days",
                  "to_lag_days", "ua_gain_km2", "ru_gain_km2", "net_km2", "masked_km2"]  # fmt: skip


@main.command()
@click.option("--source", "-s", required=True, help="Source name, or 'all' for every source.")
@_window_option
@click.option("--by", type=click.Choice(["oblast"]), default=None, help="Break down by oblast.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Also draw the change as a PNG map to this file (one source).")  # fmt: skip
@_land_option
@_format_option(("geojson",))
@click.pass_context
@handle_errors
def change(ctx, source, start, end, by, plot, land_only, fmt):
    """Territory that changed hands between two dates, by side (km², geodesic).

    \b
    Example:
      frontwatch change --source liveuamap-nzz --from 2022-09-08 --to 2022-09-11 --by oblast
      frontwatch change --source all --from 2022-09-01 --to 2022-09-08
      frontwatch change -s deepstate --from 2024-11-01 --to 2024-12-01 --format geojson
      frontwatch change -s liveuamap-nzz --from 2022-09-04 --to 2022-09-11 --plot week.png
    """
    store = _store(ctx)
    by_oblast = by == "oblast"
    if plot:
        if source == "all":
            raise InvalidWindow("--plot needs one --source")
        from .report.plots import change_map

        change_map(store, source, start, end, plot)
        err.print(f"map written to {plot}")
    if fmt == "geojson":
        if source == "all":
            raise InvalidWindow("--format geojson needs one --source")
        row = changes.change_between(store, source, start, end, land_only=land_only, geometry=True)
        click.echo(to_json(_change_geojson(row)))
        return
    sources = sorted(store.source_names()) if source == "all" else [source]
    rows = changes.compare_sources(store, sources, start, end, by_oblast=by_oblast,
                                   land_only=land_only)  # fmt: skip
    if source != "all" and "error" in rows[0]:
        raise click.ClickException(rows[0]["error"])
    if fmt == "json":
        click.echo(to_json(rows if source == "all" else rows[0]))
        return
    emit(rows, CHANGE_COLUMNS, fmt, title=f"change {start} → {end}",
         caption="Areas geodesic (WGS84), km². ua_gain = land lost by Russia; "
                 "ru_gain = land taken by Russia. Credit: " +
                 "; ".join(r.get("attribution", r["source"]) for r in rows))  # fmt: skip
    if by_oblast:
        for r in rows:
            if r.get("by_oblast"):
                emit(r["by_oblast"], ["oblast", "ua_gain_km2", "ru_gain_km2", "net_km2"], fmt,
                     title=f"{r['source']} by oblast ({r['from_snapshot']} → {r['to_snapshot']})",
                     caption="Oblasts: © OpenStreetMap contributors")  # fmt: skip
    for r in rows:
        _warn([f"{r['source']}: {n}" for n in r.get("notes", [])] +
              ([f"{r['source']}: {r['error']}"] if "error" in r else []), fmt)  # fmt: skip


def _change_geojson(row: dict) -> dict:
    """The change as an RFC 7946 FeatureCollection (see :func:`frontwatch.export.rfc7946`); the
    summary (dates, lag, attribution) is in each feature's properties, which GDAL keeps."""
    from . import _geo
    from .export import rfc7946

    props = {k: v for k, v in row.items() if k not in ("geometries", "provenance")}
    feats = []
    for kind, geom in row["geometries"].items():
        out = rfc7946(geom)
        if out is None:
            continue
        feats.append({"type": "Feature", "geometry": out,
                      "properties": {"kind": kind, "area_km2": round(_geo.area_km2(geom), 1),
                                     **{k: props[k] for k in CHANGE_COLUMNS[:7]},
                                     "attribution": props.get("attribution")}})  # fmt: skip
    return {"type": "FeatureCollection", "properties": props, "features": feats}


@main.command()
@_source_option
@click.option("--every", type=click.Choice(areas.EVERY), default="snapshot", show_default=True)
@click.option("--from", "start", default=None, help="First date (default: first snapshot).")
@click.option("--to", "end", default=None, help="Last date (default: last snapshot).")
@click.option("--flows/--no-flows", default=True, show_default=True,
              help="Compute gross gains per side (geometric), not only the net change.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Also draw a PNG chart to this file.")
@_land_option
@_format_option()
@click.pass_context
@handle_errors
def series(ctx, source, every, start, end, flows, plot, land_only, fmt):
    """Occupied area over time with the change since the previous row.

    \b
    Example:
      frontwatch series --source deepstate --every month --from 2024-07-01
      frontwatch series --source liveuamap-nzz --every week --no-flows --plot area.png
    """
    store = _store(ctx)
    with _progress("series") as bar:
        rows = areas.series(store, source, every=every, start=start, end=end, flows=flows,
                            land_only=land_only, progress=bar)  # fmt: skip
    if plot and rows:
        from .report.plots import series_chart

        series_chart(rows, plot, source=source)
        err.print(f"chart written to {plot}")
    emit(rows, ["period_end", "snapshot_date", "lag_days", "occupied_km2",
                "share_of_ukraine_pct", "net_km2", "ua_gain_km2", "ru_gain_km2"], fmt,
         title=f"{source}: occupied area, every {every}",
         caption="Areas geodesic (WGS84), km²; share of 603,628 km².")  # fmt: skip
    _warn([f"{r['snapshot_date']}: {w}" for r in rows for w in r["warnings"]], fmt)


@main.command()
@_source_option
@click.option("--window", default="7d", show_default=True, help="Window length, e.g. 3d, 7d, 2w.")
@_side_option
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--from", "start", default=None, help="Only windows ending on or after this date.")
@click.option("--to", "end", default=None, help="Only windows ending on or before this date.")
@click.option("--by", type=click.Choice(["area", "depth"]), default="area", show_default=True,
              help="Rank by area gained (km²) or by advance depth (km).")  # fmt: skip
@click.option("--overlapping", is_flag=True,
              help="Also list windows that overlap a higher-ranked one (one event, many windows).")
@_format_option()
@click.pass_context
@handle_errors
def top(ctx, source, window, side, limit, start, end, by, overlapping, fmt):
    """Rank the windows of a source's history by the area one side gained.

    \b
    Example:
      frontwatch top --source liveuamap-nzz --window 7d --side UA --limit 5
    """
    days = parse_window(window)
    if start and end:
        ordered(start, end)
    store = _store(ctx)
    with _progress("top") as bar:
        ranker = changes.top_windows if by == "area" else advance_mod.depth_windows
        rows = ranker(store, source, days=days, side=side, limit=limit, start=start, end=end,
                      distinct=not overlapping, progress=bar)  # fmt: skip
    cols = ["rank", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days", "span_days",
            "gained_km2"]  # fmt: skip
    cols += ["max_depth_km", "p90_depth_km", "km_per_day"] if by == "depth" else ["ua_gain_km2", "ru_gain_km2"]
    emit(rows, cols, fmt, title=f"{source}: {days}-day windows by {by} gained by {side.upper()}")


PLACE_COLUMNS = ["name", "oblast", "raion", "population", "status", "distance_to_front_km",
                 "snapshot_date", "lag_days"]  # fmt: skip


@main.command()
@click.argument("name")
@_source_option
@click.option("--on", "day", default=None, help="Date (YYYY-MM-DD); not with --history.")
@click.option("--oblast", default=None, help="Oblast to pick the place in (for common names).")
@click.option("--history", is_flag=True, help="Every change of side of the place in the source.")
@click.option("--contested-km", type=float, default=settlements.CONTESTED_KM, show_default=True,
              help="Report 'contested' when the line of contact is this close.")  # fmt: skip
@_format_option()
@click.pass_context
@handle_errors
def place(ctx, name, source, day, oblast, history, contested_km, fmt):
    """Who holds a place on a date (or its whole history), per source.

    NAME may be in English, Ukrainian or Russian, in any usual spelling. Common names
    (e.g. Shevchenkove) need --oblast; the candidates are listed otherwise.

    \b
    Example:
      frontwatch place Kupiansk --source liveuamap-nzz --on 2022-09-09
      frontwatch place Балаклія --source deepstate --history
    """
    if history and day is not None:
        raise click.UsageError("--history lists every change of side and --on asks about one day: give one of them")
    store = _store(ctx)
    pl = _place(name, oblast)
    if history:
        h = settlements.place_history(store, source, pl)
        if fmt == "json":
            click.echo(to_json(h))
            return
        emit(h["transitions"], ["snapshot_date", "previous", "side"], fmt,
             title=f"{pl.label()}: changes of side on {source}",
             caption=f"Credit: {h['attribution']}; places: GeoNames")  # fmt: skip
        return
    if day is None:
        raise click.UsageError("give --on DATE, or --history")
    row = settlements.place_control(store, source, pl, day, contested_km=contested_km)
    if fmt == "json":
        click.echo(to_json(row))
        return
    flat = {**row["place"], **{k: v for k, v in row.items() if k != "place"}}
    emit(flat, PLACE_COLUMNS + ["side"], fmt, title=pl.label(),
         caption=f"Distance geodesic (WGS84) to the line of contact. Credit: {row['attribution']}")  # fmt: skip


@main.command()
@_source_option
@_window_option
@click.option("--changed", is_flag=True, help="Only places that changed side.")
@click.option("--oblast", default=None, help="Only places in this oblast.")
@_format_option()
@click.pass_context
@handle_errors
def places(ctx, source, start, end, changed, oblast, fmt):
    """Settlements and their side at two dates; --changed lists those that changed hands.

    \b
    Example:
      frontwatch places --source liveuamap-nzz --from 2022-09-06 --to 2022-09-11 --changed --oblast Kharkiv
    """
    store = _store(ctx)
    if changed:
        res = settlements.changed_places(store, source, start, end, oblast=oblast)
    else:
        res = settlements.all_places(store, source, start, end, oblast=oblast)
    if fmt == "json":
        click.echo(to_json(res))
        return
    columns = ["name", "oblast", "raion", "population", "from_side", "to_side"] + (["changed_on"] if changed else [])
    if fmt == "csv":  # (every field a column: the ids and points too)
        columns = ["geonameid", "name", "name_uk", "oblast", "raion", "lat", "lon", "population", "feature_code",
                   *columns[4:]]  # fmt: skip
    emit(res["places"], columns, fmt,
         title=f"{source}: {len(res['places'])} places, maps {res['from_snapshot']} → {res['to_snapshot']}",
         caption=f"Credit: {res['attribution']}")  # fmt: skip
    if fmt == "table" and changed:
        emit(res["counts_by_oblast"], ["oblast", "to_side", "count"], fmt, title="by oblast")
    _warn(res["notes"], fmt)


@main.command()
@_source_option
@click.option("--on", "day", required=True, help="Date (YYYY-MM-DD).")
@_format_option(("geojson",))
@click.pass_context
@handle_errors
def front(ctx, source, day, fmt):
    """The line of contact on a date (border and coast left out), with its geodesic length.

    \b
    Example:
      frontwatch front --source deepstate --on 2024-11-30 --format geojson > front.geojson
    """
    from shapely.geometry import mapping

    row = frontline_mod.front_on(_store(ctx), source, day)
    if fmt == "geojson":
        line = row.pop("geometry")
        click.echo(to_json({"type": "Feature", "geometry": mapping(line), "properties": row}))
        return
    row.pop("geometry")
    emit(row, ["source", "asked_date", "snapshot_date", "lag_days", "length_km", "tolerance_km"], fmt,
         caption=f"Credit: {row['attribution']}")  # fmt: skip


@main.command()
@click.argument("name")
@_source_option
@click.option("--on", "day", default=None, help="Date (YYYY-MM-DD).")
@click.option("--from", "start", default=None, help="Series: first date.")
@click.option("--to", "end", default=None, help="Series: last date.")
@click.option("--oblast", default=None, help="Oblast to pick the place in (for common names).")
@_format_option()
@click.pass_context
@handle_errors
def distance(ctx, name, source, day, start, end, oblast, fmt):
    """Geodesic distance from a place to the nearest ground held by the other side.

    \b
    Example:
      frontwatch distance Kupiansk --source liveuamap-nzz --on 2022-09-09
      frontwatch distance Pokrovsk --source deepstate --from 2024-07-01 --to 2025-08-01 --format csv
    """
    store = _store(ctx)
    pl = _place(name, oblast)
    if start or end:
        if not (start and end):
            raise click.UsageError("a series needs both --from and --to")
        rows = advance_mod.distance_series(store, source, pl, start, end)
    elif day:
        rows = [advance_mod.distance_to_other_side(store, source, pl, day)]
    else:
        raise click.UsageError("give --on DATE, or --from and --to")
    if fmt == "json":
        click.echo(to_json(rows if (start or end) else rows[0]))
        return
    emit(rows, ["asked_date", "snapshot_date", "lag_days", "side", "to_side", "distance_km",
                "nearest_point"], fmt, title=f"{pl.label()}: distance to the other side ({source})",
         caption="Geodesic (WGS84). Credit: " + (rows[0]["attribution"] if rows else source))  # fmt: skip


@main.command("advance")
@_source_option
@_window_option
@_side_option
@_format_option()
@click.pass_context
@handle_errors
def advance_cmd(ctx, source, start, end, side, fmt):
    """Depth (km) and speed (km/day) of one side's advance between two dates.

    \b
    Example:
      frontwatch advance --source liveuamap-nzz --from 2022-09-08 --to 2022-09-11 --side UA
    """
    row = advance_mod.advance(_store(ctx), source, start, end, side=side)
    emit(row, ["source", "side", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days",
               "to_lag_days", "days", "gained_km2", "max_depth_km", "p90_depth_km", "km_per_day"], fmt,
         caption=row["depth_rule"])  # fmt: skip
    _warn(row["notes"], fmt)


@main.command("since")
@_source_option
@_window_option
@_side_option
@click.option("--by", type=click.Choice(["area", "depth"]), default="area", show_default=True)
@_format_option()
@click.pass_context
@handle_errors
def since_cmd(ctx, source, start, end, side, by, fmt):
    """The most recent earlier window of the same length with a larger gain ("swiftest since").

    \b
    Example:
      frontwatch since --source liveuamap-nzz --from 2022-09-08 --to 2022-09-11 --side UA
    """
    row = advance_mod.since(_store(ctx), source, start, end, side=side, by=by)
    if fmt == "json":
        click.echo(to_json(row))
        return
    flat = {"window": f"{row['window']['from_snapshot']} → {row['window']['to_snapshot']}",
            "value": row["window"]["value"], "unit": row["unit"],
            "since": (f"{row['since']['from_snapshot']} → {row['since']['to_snapshot']}"
                      if row["since"] else "never"),
            "since_value": row["since"]["value"] if row["since"] else None}  # fmt: skip
    emit(flat, ["window", "value", "unit", "since", "since_value"], fmt, caption=row["statement"])


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--published", required=True, help="Publication date of the text (YYYY-MM-DD).")
@click.option("--source", "-s", "sources", multiple=True, help="Source(s) to check against (default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("markdown",)), default="table",
              show_default=True, help="Output format.")  # fmt: skip
@click.pass_context
@handle_errors
def check(ctx, file, published, sources, fmt):
    """Find the checkable claims in a news text and give each a verdict per source.

    FILE is English text, or a JSON list of claims (fields as in the JSON output).

    \b
    Example:
      frontwatch check ../shared/articles/2022-09-ukraine-retook-1000-km2.txt --published 2022-09-10
      frontwatch check claims.json --published 2022-09-10 --source deepstate --format markdown
    """
    from .claims.check import check_file
    from .claims.render import CSV_COLUMNS, csv_rows, markdown, verdict_rows

    store = _store(ctx)
    srcs = list(sources) or sorted(store.source_names())
    unknown = sorted(set(srcs) - set(store.source_names()))
    if unknown:
        raise UnknownSource(unknown[0], sorted(store.source_names()))
    with _progress("check") as bar:
        results = check_file(store, file, published=published, sources=srcs, progress=bar)
    if fmt == "json":
        click.echo(to_json({"file": str(file), "published": published, "sources": srcs, "claims": results}))
    elif fmt == "markdown":
        click.echo(markdown(results, srcs, title=f"Claims in {file}", published=published))
    elif fmt == "csv":
        emit(csv_rows(results), CSV_COLUMNS, fmt)
    else:
        emit(verdict_rows(results, srcs), ["#", "claim", "kind", "claimant", "quantity", "window", *srcs],
             fmt, title=f"{len(results)} claims in {file}",
             caption="Rules and provenance: --format markdown or json.")  # fmt: skip


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


if __name__ == "__main__":  # pragma: no cover
    from frontwatch.cli import main as _main  # (the module itself: every command registered)

    _main()


from .cli_export import export_cmd  # noqa: E402  (registered last: they use the helpers above)
from .cli_update import update_cmd  # noqa: E402
from .cli_view import report_cmd, serve_cmd  # noqa: E402

main.add_command(update_cmd)
main.add_command(export_cmd)
main.add_command(report_cmd)
main.add_command(serve_cmd)
from .cli_remove import remove_cmd  # noqa: E402

main.add_command(remove_cmd)
