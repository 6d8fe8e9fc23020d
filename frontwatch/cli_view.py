"""The commands that show rather than tell: ``report`` (one self-contained HTML file) and
``serve`` (the web map and JSON API), registered on :data:`frontwatch.cli.main` by ``cli.py``."""

from __future__ import annotations

from pathlib import Path

import click

from ._cli_common import _store, err, handle_errors
from .errors import InvalidWindow


@click.command("report")
@click.option(
    "--source",
    "-s",
    "sources",
    multiple=True,
    help="Source name (one for a window; for an article, the sources to check against: default all).",
)
@click.option("--from", "start", default=None, help="Window: start date (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Window: end date (YYYY-MM-DD).")
@click.option(
    "--article",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="An English news text to check instead of a window.",
)
@click.option("--published", default=None, help="Article: its publication date (YYYY-MM-DD).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf", "png"]),
    default=None,
    help="html (default, or from the output's suffix); pdf and png are printed by Chromium.",
)
@click.option("--dpi", type=click.IntRange(72, 400), default=150, show_default=True, help="Resolution of the pictures.")
@click.pass_context
@handle_errors
def report_cmd(ctx, sources, start, end, article, published, output, fmt, dpi):  # fmt: skip
    """Write one self-contained report (pictures inline, no network needed to open it).

    For a window: the map of the change, the area chart, the by-oblast table, the places
    that changed side and the distance to the other side of the main places. For an
    article: each claim with its verdicts per source, then the same for the article's window.

    \b
    Example:
      frontwatch report --source liveuamap-nzz --from 2022-09-04 --to 2022-09-11 --output week.html
      frontwatch report --article article.txt --published 2022-09-10 --output claims.html
      frontwatch report -s deepstate --from 2024-11-01 --to 2024-12-01 -o november.pdf
    """
    from .report import content, export, html

    fmt = export.format_of(output, fmt)
    store = _store(ctx)
    if article:
        if not published:
            raise click.UsageError("--article needs --published DATE")
        if start or end:
            raise click.UsageError("give either --article or --from/--to, not both")
        srcs = list(sources) or sorted(store.source_names())
        text = Path(article).read_text(encoding="utf-8")
        rep = content.article_report(store, text, published=published, sources=srcs, title=Path(article).stem,
                                     dpi=dpi)  # fmt: skip
        page = html.render_article(rep)
    else:
        if not (start and end):
            raise click.UsageError("give --from and --to (a window), or --article and --published")
        if len(sources) != 1:
            raise InvalidWindow("a window report needs exactly one --source")
        page = html.render_window(content.window_report(store, sources[0], start, end, dpi=dpi))
    path = export.write(page, output, fmt)
    err.print(f"report written to {path} ({path.stat().st_size / 1e6:,.1f} MB, {fmt})")


def _setting_options(fn):
    """One option per web setting, from the one registry (frontwatch.web.settings.SETTINGS)."""
    from .web.settings import SETTINGS

    for s in reversed(SETTINGS):
        fn = click.option(f"--{s.name.replace('_', '-')}", s.name, type=type(s.default), default=s.default,
                          show_default=bool(s.default), help=s.help)(fn)  # fmt: skip
    return fn


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@_setting_options
@click.pass_context
@handle_errors
def serve_cmd(ctx, host, port, **settings):
    """Serve the web map (time slider, sources, gains and losses, line of contact, place
    search, point history, claim check) and the JSON API, read-only.

    The page loads nothing from the internet unless --tiles-url is given. API docs are at
    /docs, the OpenAPI description at /openapi.json.

    \b
    Example:
      frontwatch serve
      frontwatch --db full.gpkg serve --host 0.0.0.0 --port 8080 --timeout-s 60
    """
    import uvicorn

    from .web import Settings, create_app

    store = _store(ctx)
    try:
        app = create_app(store.path, Settings(**settings))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    store.close()
    err.print(f"serving {store.path} on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
