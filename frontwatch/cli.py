"""Command-line interface: parse, open the store, call one library function, format."""

from __future__ import annotations

import os
import signal
import sys
import threading

import click
from rich.markup import escape

from . import inventory
from ._cli_common import (
    DEFAULT_MAX_LAG,
    _format_option,
    _listed,
    _on_sigterm,
    _progress,
    _restore_env,
    _store,
    add_db_option,
    err,
    handle_errors,
)
from ._format import FORMATS, emit, terminal_text, to_json
from .errors import UnknownSource
from .ingest import ingest as ingest_files
from .sources import ADAPTERS
from .sources._io import ENV_MAX_DOCUMENT_MB, MAX_DOCUMENT_MB
from .store import ENV_DB


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
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Validation processes (default: CPUs).")
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
    rows = [
        {**r.as_dict(), "flags_count": len(r.flags) + len(r.coverage_breaks)} for r in inventory.sources_summary(_store(ctx))
    ]
    emit(rows, ["source", "first_date", "last_date", "snapshots", "files", "superseded",
                "excluded", "flags_count", "coverage"], fmt, title="sources in the store",
         caption="; ".join(f"{r['source']}: {r['attribution']}" for r in rows))  # fmt: skip
    if fmt == "table":
        for r in rows:
            if r["unfinished_ingest"]:
                err.print(f"[red]unfinished[/]: {escape(terminal_text(r['source']))}: "
                          f"{escape(terminal_text(r['unfinished_ingest']))}", highlight=False, soft_wrap=True)  # fmt: skip
            _listed(f"{r['source']}: ", r["coverage_breaks"] + r["flags"], "flag")


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


# The command groups (each module's commands, registered here; every command also takes
# --db after its name, as `frontwatch area --db X ...`).
from .cli_export import export_cmd  # noqa: E402  (registered after the group is defined)
from .cli_places import advance_cmd, distance, front, place, places  # noqa: E402
from .cli_query import area, change, series, since_cmd, top  # noqa: E402
from .cli_remove import remove_cmd  # noqa: E402
from .cli_update import update_cmd  # noqa: E402
from .cli_view import report_cmd, serve_cmd  # noqa: E402

for _cmd in (area, change, series, top, since_cmd, place, places, front, distance, advance_cmd, update_cmd, export_cmd,
             report_cmd, serve_cmd, remove_cmd):  # fmt: skip
    main.add_command(_cmd)


def _with_db_options() -> None:
    for cmd in main.commands.values():
        add_db_option(cmd)


_with_db_options()

if __name__ == "__main__":  # pragma: no cover
    main()
