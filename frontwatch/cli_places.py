"""The commands on places, distances and the front: ``place``, ``places``, ``front``,
``distance`` and ``advance``."""

from __future__ import annotations

import click

from . import advance as advance_mod
from . import frontline as frontline_mod
from . import settlements
from ._cli_common import (
    _format_option,
    _place,
    _side_option,
    _source_option,
    _source_or_all_option,
    _store,
    _warn,
    _window_option,
    all_sources,
    emit_all_sources,
    handle_errors,
)
from ._format import emit, to_json

PLACE_COLUMNS = ["name", "oblast", "raion", "population", "status", "distance_to_front_km",
                 "snapshot_date", "lag_days"]  # fmt: skip


@click.command()
@click.argument("name")
@_source_or_all_option
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
    if source == "all":
        _place_all_sources(store, pl, day, history, contested_km, fmt)
        return
    if history:
        h = settlements.place_history(store, source, pl)
        if fmt == "json":
            click.echo(to_json(h))
            return
        emit(h.transitions, ["snapshot_date", "previous", "side"], fmt,
             title=f"{pl.label()}: changes of side on {source}",
             caption=f"Credit: {h.attribution}; places: GeoNames")  # fmt: skip
        return
    if day is None:
        raise click.UsageError("give --on DATE, or --history")
    row = settlements.place_control(store, source, pl, day, contested_km=contested_km).as_dict()
    if fmt == "json":
        click.echo(to_json(row))
        return
    flat = {**row["place"], **{k: v for k, v in row.items() if k != "place"}}
    emit(flat, PLACE_COLUMNS + ["side"], fmt, title=pl.label(),
         caption=f"Distance geodesic (WGS84) to the line of contact. Credit: {row['attribution']}")  # fmt: skip


def _place_all_sources(store, pl, day, history: bool, contested_km: float, fmt: str) -> None:
    """``place --source all``: the place's history or its side on a day, on every source."""
    if history:
        rows = all_sources(store, lambda s: settlements.place_history(store, s, pl))
        if fmt == "json":
            click.echo(to_json(rows))
            return
        flat = [{"source": r["source"], **t} for r in rows for t in r.get("transitions", [])]
        emit_all_sources(flat + [r for r in rows if "error" in r], ["snapshot_date", "previous", "side"], fmt,
                         title=f"{pl.label()}: changes of side", caption="Places: GeoNames.")  # fmt: skip
        return
    if day is None:
        raise click.UsageError("give --on DATE, or --history")
    rows = all_sources(store, lambda s: settlements.place_control(store, s, pl, day, contested_km=contested_km))
    if fmt == "json":
        click.echo(to_json(rows))
        return
    flat = [r if "error" in r else {**r["place"], **{k: v for k, v in r.items() if k != "place"}} for r in rows]
    emit_all_sources(flat, PLACE_COLUMNS + ["side"], fmt, title=pl.label(),
                     caption="Distance geodesic (WGS84) to the line of contact.")  # fmt: skip


@click.command()
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
        res = settlements.changed_places(store, source, start, end, oblast=oblast).as_dict()
    else:
        res = settlements.all_places(store, source, start, end, oblast=oblast).as_dict()
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


@click.command()
@_source_or_all_option
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

    store = _store(ctx)
    if source == "all":
        lines = {}  # source → its line (a shapely geometry)

        def one(s: str) -> frontline_mod.Front:
            got = frontline_mod.front_on(store, s, day)
            lines[s] = got.geometry
            return got

        rows = all_sources(store, one)
        if fmt == "geojson":
            feats = [{"type": "Feature", "geometry": mapping(lines[r["source"]]), "properties": r}
                     for r in rows if "error" not in r]  # fmt: skip
            click.echo(to_json({"type": "FeatureCollection", "features": feats}))
            _warn([f"{r['source']}: {r['error']}" for r in rows if "error" in r], "table")
            return
        emit_all_sources(rows, FRONT_COLUMNS, fmt, title=f"the line of contact on {day}")
        return
    row = frontline_mod.front_on(store, source, day)
    if fmt == "geojson":
        click.echo(to_json({"type": "Feature", "geometry": mapping(row.geometry), "properties": row.as_dict()}))
        return
    emit(row, FRONT_COLUMNS, fmt, caption=f"Credit: {row.attribution}")


FRONT_COLUMNS = ["source", "asked_date", "snapshot_date", "lag_days", "length_km", "tolerance_km"]
DISTANCE_COLUMNS = ["asked_date", "snapshot_date", "lag_days", "side", "to_side", "distance_km", "nearest_point"]
ADVANCE_COLUMNS = ["source", "side", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days",
                   "to_lag_days", "days", "gained_km2", "max_depth_km", "p90_depth_km", "km_per_day"]  # fmt: skip


@click.command()
@click.argument("name")
@_source_or_all_option
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

        def one(s: str) -> list[advance_mod.Distance]:
            return advance_mod.distance_series(store, s, pl, start, end)
    elif day:

        def one(s: str) -> list[advance_mod.Distance]:
            return [advance_mod.distance_to_other_side(store, s, pl, day)]
    else:
        raise click.UsageError("give --on DATE, or --from and --to")
    if source == "all":
        emit_all_sources(all_sources(store, one), DISTANCE_COLUMNS, fmt,
                         title=f"{pl.label()}: distance to the other side", caption="Geodesic (WGS84).")  # fmt: skip
        return
    got = one(source)
    if fmt == "json":
        click.echo(to_json(got if (start or end) else got[0]))
        return
    emit(got, DISTANCE_COLUMNS, fmt, title=f"{pl.label()}: distance to the other side ({source})",
         caption="Geodesic (WGS84). Credit: " + (got[0].attribution if got else source))  # fmt: skip


@click.command("advance")
@_source_or_all_option
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
    store = _store(ctx)
    if source == "all":
        rows = all_sources(store, lambda s: advance_mod.advance(store, s, start, end, side=side))
        rule = next((r["depth_rule"] for r in rows if "depth_rule" in r), "")
        emit_all_sources(rows, ADVANCE_COLUMNS, fmt, title=f"advance of {side.upper()}: {start} → {end}", caption=rule)
        _warn([f"{r['source']}: {n}" for r in rows for n in r.get("notes", [])], fmt)
        return
    row = advance_mod.advance(store, source, start, end, side=side)
    emit(row, ADVANCE_COLUMNS, fmt, caption=row.depth_rule)
    _warn(row.notes, fmt)
