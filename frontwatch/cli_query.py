"""The commands on areas and changes: ``area``, ``change``, ``series``, ``top`` and ``since``."""

from __future__ import annotations

import click

from . import advance as advance_mod
from . import areas, changes
from ._cli_common import (
    _format_option,
    _land_option,
    _progress,
    _side_option,
    _source_or_all_option,
    _store,
    _warn,
    _window_option,
    all_sources,
    emit_all_sources,
    err,
    handle_errors,
    parse_window,
)
from ._format import emit, to_json
from .errors import InvalidWindow
from .timeline import ordered

SERIES_COLUMNS = ["period_end", "snapshot_date", "lag_days", "occupied_km2", "share_of_ukraine_pct", "net_km2",
                  "ua_gain_km2", "ru_gain_km2"]  # fmt: skip
AREA_COLUMNS = ["source", "asked_date", "snapshot_date", "lag_days", "occupied_km2", "share_of_ukraine_pct", "coverage"]


@click.command()
@_source_or_all_option
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
      frontwatch area --source all --on 2025-01-01
    """
    store = _store(ctx)
    if source == "all":
        rows = all_sources(store, lambda s: areas.area_on(store, s, day, land_only=land_only))
        emit_all_sources(rows, AREA_COLUMNS, fmt, title=f"occupied area on {day}",
                         caption=f"Areas geodesic (WGS84), km²; share of {areas.DENOMINATOR_NOTE}.")  # fmt: skip
        _warn([f"{r['source']}: {w}" for r in rows for w in r.get("warnings", [])], fmt)
        return
    row = areas.area_on(store, source, day, land_only=land_only)
    emit(row, AREA_COLUMNS, fmt, caption=f"{row.denominator}. Credit: {row.attribution}")
    _warn(row.warnings, fmt)


CHANGE_COLUMNS = ["source", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days",
                  "to_lag_days", "ua_gain_km2", "ru_gain_km2", "net_km2", "masked_km2"]  # fmt: skip


@click.command()
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
    if source != "all" and isinstance(rows[0], changes.UnansweredChange):
        raise click.ClickException(rows[0].error)
    if fmt == "json":
        click.echo(to_json(rows if source == "all" else rows[0]))
        return
    emit(rows, CHANGE_COLUMNS, fmt, title=f"change {start} → {end}",
         caption="Areas geodesic (WGS84), km². ua_gain = land lost by Russia; "
                 "ru_gain = land taken by Russia. Credit: " +
                 "; ".join(r.attribution if isinstance(r, changes.Change) else r.source for r in rows))  # fmt: skip
    if by_oblast:
        for r in rows:
            if isinstance(r, changes.Change) and r.by_oblast:
                emit(r.by_oblast, ["oblast", "ua_gain_km2", "ru_gain_km2", "net_km2"], fmt,
                     title=f"{r.source} by oblast ({r.from_snapshot} → {r.to_snapshot})",
                     caption="Oblasts: © OpenStreetMap contributors")  # fmt: skip
    for r in rows:
        _warn([f"{r.source}: {n}" for n in r.notes] if isinstance(r, changes.Change) else
              [f"{r.source}: {r.error}"], fmt)  # fmt: skip


def _change_geojson(row: changes.Change) -> dict:
    """The change as an RFC 7946 FeatureCollection (see :func:`frontwatch.export.rfc7946`); the
    summary (dates, lag, attribution) is in each feature's properties, which GDAL keeps."""
    from . import _geo
    from .export import rfc7946

    props = {k: v for k, v in row.as_dict().items() if k != "provenance"}
    feats = []
    for kind, geom in (row.geometries or {}).items():
        out = rfc7946(geom)
        if out is None:
            continue
        feats.append({"type": "Feature", "geometry": out,
                      "properties": {"kind": kind, "area_km2": round(_geo.area_km2(geom), 1),
                                     **{k: props[k] for k in CHANGE_COLUMNS[:7]},
                                     "attribution": props.get("attribution")}})  # fmt: skip
    return {"type": "FeatureCollection", "properties": props, "features": feats}


@click.command()
@_source_or_all_option
@click.option("--every", type=click.Choice(areas.EVERY), default="snapshot", show_default=True)
@click.option("--from", "start", default=None, help="First date (default: first snapshot).")
@click.option("--to", "end", default=None, help="Last date (default: last snapshot).")
@click.option(
    "--flows/--no-flows",
    default=True,
    show_default=True,
    help="Compute gross gains per side (geometric), not only the net change.",
)
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
    if source == "all":
        if plot:
            raise InvalidWindow("--plot needs one --source")

        def one(s: str) -> list[areas.SeriesRow]:
            with _progress(f"series {s}") as bar:
                return areas.series(store, s, every=every, start=start, end=end, flows=flows, land_only=land_only,
                                    progress=bar)  # fmt: skip

        rows = all_sources(store, one)
        emit_all_sources(rows, SERIES_COLUMNS, fmt, title=f"occupied area, every {every}",
                         caption=f"Areas geodesic (WGS84), km²; share of {areas.DENOMINATOR_NOTE}.")  # fmt: skip
        _warn([f"{r['source']} {r['snapshot_date']}: {w}" for r in rows for w in r.get("warnings", [])], fmt)
        return
    with _progress("series") as bar:
        got = areas.series(store, source, every=every, start=start, end=end, flows=flows,
                           land_only=land_only, progress=bar)  # fmt: skip
    if plot and got:
        from .report.plots import series_chart

        series_chart(got, plot, source=source, attribution=store.source_info(source).attribution)
        err.print(f"chart written to {plot}")
    emit(got, SERIES_COLUMNS, fmt, title=f"{source}: occupied area, every {every}",
         caption=f"Areas geodesic (WGS84), km²; share of {areas.DENOMINATOR_NOTE}.")  # fmt: skip
    _warn([f"{r.snapshot_date}: {w}" for r in got for w in r.warnings], fmt)


@click.command()
@_source_or_all_option
@click.option("--window", default="7d", show_default=True, help="Window length, e.g. 3d, 7d, 2w.")
@_side_option
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--from", "start", default=None, help="Only windows ending on or after this date.")
@click.option("--to", "end", default=None, help="Only windows ending on or before this date.")
@click.option("--by", type=click.Choice(["area", "depth"]), default="area", show_default=True,
              help="Rank by area gained (km²) or by advance depth (km).")  # fmt: skip
@click.option(
    "--overlapping", is_flag=True, help="Also list windows that overlap a higher-ranked one (one event, many windows)."
)
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
    ranker = changes.top_windows if by == "area" else advance_mod.depth_windows

    def one(s: str) -> list[dict]:
        with _progress(f"top {s}" if source == "all" else "top") as bar:
            return ranker(store, s, days=days, side=side, limit=limit, start=start, end=end,
                          distinct=not overlapping, progress=bar)  # fmt: skip

    cols = ["rank", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days", "span_days",
            "gained_km2"]  # fmt: skip
    cols += ["max_depth_km", "p90_depth_km", "km_per_day"] if by == "depth" else ["ua_gain_km2", "ru_gain_km2"]
    if source == "all":
        title = f"{days}-day windows by {by} gained by {side.upper()}, ranked per source"
        emit_all_sources(all_sources(store, one), cols, fmt, title=title)
        return
    emit(one(source), cols, fmt, title=f"{source}: {days}-day windows by {by} gained by {side.upper()}")


@click.command("since")
@_source_or_all_option
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
    store = _store(ctx)
    cols = ["window", "value", "unit", "since", "since_value"]
    if source == "all":
        rows = all_sources(store, lambda s: advance_mod.since(store, s, start, end, side=side, by=by))
        if fmt == "json":  # (the rows are the answers' as_dict(), each with its source first)
            click.echo(to_json(rows))
            return
        emit_all_sources([r if "error" in r else {"source": r["source"], **_since_flat(r)} for r in rows], cols, fmt,
                         title=f"the swiftest since: {start} → {end}, {side.upper()}")  # fmt: skip
        for r in rows:
            if "statement" in r:
                _warn([f"{r['source']}: {r['statement']}"], fmt)
        return
    row = advance_mod.since(store, source, start, end, side=side, by=by).as_dict()
    if fmt == "json":
        click.echo(to_json(row))
        return
    emit(_since_flat(row), cols, fmt, caption=row["statement"])


def _since_flat(row: dict) -> dict:
    """The ``since`` answer as one table row (the windows named by their maps)."""
    return {"window": f"{row['window']['from_snapshot']} → {row['window']['to_snapshot']}",
            "value": row["window"]["value"], "unit": row["unit"],
            "since": (f"{row['since']['from_snapshot']} → {row['since']['to_snapshot']}"
                      if row["since"] else "never"),
            "since_value": row["since"]["value"] if row["since"] else None}  # fmt: skip
