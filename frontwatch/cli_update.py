"""``frontwatch update``: fetch the live sources' new maps and ingest them (registered on the
main command group by :mod:`frontwatch.cli`)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from . import fetch
from ._cli_common import _progress, _store, err, handle_errors
from ._format import to_json
from .errors import InvalidWindow


@click.command("update")
@click.argument("sources", nargs=-1, type=click.Choice(sorted(fetch.FETCHERS)))
@click.option("--base-url", "base_urls", multiple=True, metavar="[SOURCE=]URL",
              help="Fetch from this URL instead of the source's own (a mirror, a test server); "
                   "SOURCE= when updating several sources.")  # fmt: skip
@click.option("--since", help="Backfill from this day (YYYY-MM-DD); default: after the newest stored map.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the raw answers (default: <store>.raw beside a store file; for a "
                   "postgresql:// store, <user data folder>/frontwatch/raw/HOST-PORT-DB.raw).")  # fmt: skip
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for an answer.")
@click.option("--retries", type=int, default=5, show_default=True, help="Retries on 5xx, 429, timeouts.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of one line a source.")
@click.pass_context
@handle_errors
def update_cmd(ctx, sources, base_urls, since, cache_dir, timeout, retries, as_json):
    """Fetch the new maps of SOURCES (default: all three) and ingest them.

    Keeps each answer (area features only, never unit positions) with its URL, time and
    sha256 in a cache beside the store, sends conditional requests, retries with backoff,
    and never fetches a map it already has. Exit status 0 when every source updated
    (with or without new maps), 1 when one failed: fit for cron.

    \b
    Example:
      frontwatch update
      frontwatch update deepstate --since 2025-08-01
      frontwatch update liveuamap-nzz --base-url http://127.0.0.1:8080
    """
    names = list(sources) or sorted(fetch.FETCHERS)
    bases = {}
    for item in base_urls:
        key, _, url = item.partition("=") if "=" in item.split("://")[0] else ("", "", item)
        if key and key not in fetch.FETCHERS:
            raise click.BadParameter(f"unknown source {key!r} in {item!r}", param_hint="--base-url")
        targets = [key] if key else names
        if not key and len(names) > 1:
            raise click.BadParameter("give SOURCE=URL when updating several sources", param_hint="--base-url")
        bases.update({t: url for t in targets})
    start = None
    if since:
        try:
            start = dt.date.fromisoformat(since)
        except ValueError:
            raise InvalidWindow(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
    store = _store(ctx, create=True)
    client = fetch.Client(timeout_s=timeout, retries=retries)
    with _progress("update") as bar:
        results = fetch.update(store, names, base_urls=bases, since=start, cache_dir=cache_dir,
                               client=client, progress=bar)  # fmt: skip
    if as_json:
        click.echo(to_json([r.as_dict() for r in results]))
    else:
        for r in results:
            click.echo(r.line())
            for w in r.warnings[-5:]:
                err.print(f"[yellow]warning[/]: {w}")
    if any(r.error for r in results):
        sys.exit(1)
