"""``frontwatch export``: a source's snapshots as GeoPackage, FlatGeobuf, GeoParquet,
GeoJSON or CSV (registered on the main command group by :mod:`frontwatch.cli`)."""

from __future__ import annotations

import click

from . import export as export_mod
from ._cli_common import _store, handle_errors
from .errors import InvalidWindow


def _day(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidWindow(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


@click.command("export")
@click.option("--source", "-s", required=True, help="Source name, e.g. deepstate.")
@click.option("--format", "fmt", type=click.Choice(export_mod.FORMATS), required=True, help="Output format.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--from", "start", help="First day (YYYY-MM-DD); default: the first snapshot.")
@click.option("--to", "end", help="Last day (YYYY-MM-DD); default: the newest snapshot.")
@click.pass_context
@handle_errors
def export_cmd(ctx, source, fmt, output, start, end):
    """Export a source's snapshots, one feature per snapshot and category, with valid_from /
    valid_to as dates (QGIS's temporal controller animates them as they are).

    \b
    Example:
      frontwatch export --source deepstate --format gpkg --output deepstate.gpkg
      frontwatch export --source isw --format parquet --output isw.parquet --from 2022-09-01 --to 2022-09-30
      frontwatch export --source liveuamap-nzz --format csv --output areas.csv
    """
    store = _store(ctx)
    written = export_mod.export(store, source, fmt, output, _day(start, "--from"), _day(end, "--to"))
    for path in written:
        click.echo(f"wrote {path}")
