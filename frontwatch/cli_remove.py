"""``frontwatch remove``: take one snapshot, the maps of one date, or a whole source out of the
store (registered on the main command group by :mod:`frontwatch.cli`)."""

from __future__ import annotations

import click

from ._cli_common import _progress, _store, err, handle_errors
from ._format import terminal_text, to_json
from .remove import remove_snapshots


@click.command("remove")
@click.option("--source", "-s", required=True, help="Source name, e.g. deepstate or the --name of your own map.")
@click.option("--date", "day", default=None, help="Remove the source's maps valid on this date (YYYY-MM-DD).")
@click.option("--id", "snapshot_id", type=int, default=None, help="Remove the snapshot of this id (see --dry-run).")
@click.option("--all", "whole_source", is_flag=True, help="Remove the whole source: every map and file of it.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")  # fmt: skip
@click.pass_context
@handle_errors
def remove_cmd(ctx, source, day, snapshot_id, whole_source, dry_run, yes, fmt):
    """Remove snapshots of SOURCE: the maps of one --date, one --id, or --all of it.

    One transaction: on any failure the store is left as it was. Files whose every map went
    are forgotten, so the same bytes can be ingested again (with the right --date, --name or
    --occupied-value). Asks before removing unless --yes (or --dry-run).

    \b
    Example:
      frontwatch remove --source mine --date 2024-05-01 --dry-run
      frontwatch remove --source mine --date 2024-05-01 --yes
      frontwatch remove --source isw --all --yes --format json
    """
    if sum((day is not None, snapshot_id is not None, whole_source)) != 1:
        raise click.UsageError("give one of --date, --id or --all")
    store = _store(ctx, write=True)
    which = {"date": day, "snapshot_id": snapshot_id, "whole_source": whole_source}
    if not dry_run and not yes:
        plan = remove_snapshots(store, source, dry_run=True, **which)
        for line in plan.lines():
            err.print(terminal_text(line), highlight=False, markup=False)
        if not click.confirm("Remove them?", default=False, err=True):
            raise click.ClickException("nothing removed")
    if dry_run:
        done = remove_snapshots(store, source, dry_run=True, **which)
    else:
        with _progress(f"remove from {source}") as bar:
            done = remove_snapshots(store, source, progress=bar, **which)
    if fmt == "json":
        click.echo(to_json(done.as_dict()))
        return
    for line in done.lines():
        click.echo(terminal_text(line))
