"""One self-contained HTML file per report: styles inline, pictures as ``data:`` URIs, no
script and no reference to any other resource, so it opens anywhere without a network, and
prints (to PDF, say) as it shows."""

from __future__ import annotations

import base64
from html import escape

from ..advance import Distance
from ..boundaries import CLIP_OUTLINES
from ..changes import Change
from ..settlements import ChangedPlaces
from .content import ArticleReport, WindowReport

CSS = """
body{font:15px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1d1d1d;
max-width:1000px;margin:2em auto;padding:0 1.2em}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd;
padding-bottom:.2em}.lede{color:#444}.figures{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.figures div{background:#f6f5f2;padding:.6em 1em;border-radius:4px;min-width:9em}
.figures b{display:block;font-size:1.4em}img{max-width:100%;height:auto;border:1px solid #e2e2e2}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.6em 0}th,td{text-align:left;
padding:.3em .5em;border-bottom:1px solid #e6e6e6;vertical-align:top}th{background:#f3f2ef}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:bold;
border-top:2px solid #999}.verdict{display:inline-block;padding:0 .45em;border-radius:3px;
font-weight:bold;font-size:.85em}.supported{background:#d7ecd9;color:#17532a}
.understated,.overstated{background:#fde2c8;color:#7a3a00}.contested{background:#fff1a8;color:#5b4a00}
.not-comparable,.unverifiable{background:#e6e6e6;color:#444}.small{font-size:.85em;color:#555}
blockquote{margin:.4em 0;padding:.2em .8em;border-left:3px solid #ccc;color:#333}
.credit{font-size:.8em;color:#666;margin-top:2.5em;border-top:1px solid #ddd;padding-top:.6em}
details summary{cursor:pointer;color:#1f5fa8}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}img{break-inside:avoid;max-height:88vh;width:auto}}
"""
PLACES_SHOWN = 40


def _n(v, digits: int = 1) -> str:
    return "" if v is None else f"{v:,.{digits}f}"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _table(rows: list[dict], cols: list[tuple[str, str]], *, total: dict | None = None) -> str:
    """An HTML table; ``cols`` are (key, heading), numeric cells right-aligned."""
    head = "".join(f'<th class="{"n" if _numeric(rows, k) else ""}">{escape(h)}</th>' for k, h in cols)
    body = []
    for r in [*rows, *([total] if total else [])]:
        cells = "".join(_td(r.get(k)) for k, _ in cols)
        body.append(f'<tr class="{"total" if r is total else ""}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _numeric(rows: list[dict], key: str) -> bool:
    return any(isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool) for r in rows)


def _td(v) -> str:
    if isinstance(v, float):
        return f'<td class="n">{v:,.1f}</td>'
    if isinstance(v, int) and not isinstance(v, bool):
        return f'<td class="n">{v:,}</td>'
    return f"<td>{escape('' if v is None else str(v))}</td>"


def by_oblast_total(rows: list[dict]) -> dict:
    """The total row of a by-oblast table (its sums equal the change's totals)."""
    return {"oblast": "Total", "ua_gain_km2": round(sum(r["ua_gain_km2"] for r in rows), 1),
            "ru_gain_km2": round(sum(r["ru_gain_km2"] for r in rows), 1),
            "net_km2": round(sum(r["net_km2"] for r in rows), 1)}  # fmt: skip


def window_section(w: WindowReport, *, heading: bool = True) -> str:
    ch, pl = w.change, w.places
    ua = sum(1 for p in pl.places if p.to_side == "UA")
    ru = sum(1 for p in pl.places if p.to_side == "RU")
    out = []
    if heading:
        out.append(f"<h2>The map: {escape(w.source)}, {ch.from_snapshot} → {ch.to_snapshot}</h2>")
    lags = f"maps of {ch.from_snapshot} and {ch.to_snapshot}, {ch.from_lag_days} and {ch.to_lag_days} day(s) " \
           f"before the asked {ch.from_date} and {ch.to_date}"  # fmt: skip
    out.append(f'<p class="lede">{escape(lags)}. Coverage: {escape(ch.coverage)}. Areas geodesic on WGS84, '
               f'{escape(ch.area_basis)}.</p>')  # fmt: skip
    out.append('<div class="figures">'
               f'<div>gained by Ukraine<b>{_n(ch.ua_gain_km2, 0)} km²</b></div>'
               f'<div>gained by Russia<b>{_n(ch.ru_gain_km2, 0)} km²</b></div>'
               f'<div>net change of the area held by Russia<b>{ch.net_km2:+,.0f} km²</b></div>'
               f'<div>places that changed side<b>{ua:,} → UA · {ru:,} → RU</b></div></div>')  # fmt: skip
    out.append(_img(w.map_png, f"map of the change {ch.from_snapshot} to {ch.to_snapshot}"))
    for note in ch.notes:
        out.append(f'<p class="small">Note: {escape(note)}</p>')
    if w.chart_png:
        out.append("<h2>Area held by Russia around the window</h2>")
        out.append(_img(w.chart_png, "chart of the area held by Russia"))
    out.append("<h2>By oblast</h2>")
    rows = [o.as_dict() for o in ch.by_oblast or []]
    out.append(_table(rows, [("oblast", "oblast"), ("ua_gain_km2", "gained by Ukraine (km²)"),
                             ("ru_gain_km2", "gained by Russia (km²)"), ("net_km2", "net (km²)")],
                      total=by_oblast_total(rows)))  # fmt: skip
    out.append(
        '<p class="small">Oblasts: OpenStreetMap. The total equals the change above; ground outside '
        "the land outline (coastal waters, estuaries) has its own row.</p>"
    )
    out.append(f"<h2>Places that changed side ({len(pl.places):,})</h2>")
    out.append(_places(pl))
    out.append("<h2>Distance to the other side</h2>")
    out.append(
        f'<p class="small">On the map valid on {escape(ch.to_date)}: geodesic (WGS84) distance from '
        "the place to the nearest ground held by the other side.</p>"
    )
    out.append(_table([_distance_row(d) for d in w.distances],
                      [("name", "place"), ("oblast", "oblast"), ("population", "population"), ("side", "held by"),
                       ("distance_km", "km to the other side"), ("snapshot_date", "map of")]))  # fmt: skip
    out.append(_provenance(ch))
    return "\n".join(out)


def _places(changed: ChangedPlaces) -> str:
    pl = changed.as_dict()
    rows = pl["places"]
    if not rows:
        return "<p>None.</p>"
    cols = [("name", "place"), ("oblast", "oblast"), ("raion", "raion"), ("population", "population"),
            ("from_side", "from"), ("to_side", "to"), ("changed_on", "first map with the new side")]  # fmt: skip
    ranked = sorted(rows, key=lambda p: (-(p["population"] or 0), p["name"]))
    counts = ", ".join(f"{c['oblast']} {c['count']:,} → {c['to_side']}" for c in pl["counts_by_oblast"])
    html = f"<p>By oblast: {escape(counts)}. {escape(pl['settlements_rule'])}.</p>"
    html += _table(ranked[:PLACES_SHOWN], cols)
    if len(ranked) > PLACES_SHOWN:
        html += (f"<details><summary>all {len(ranked):,} places</summary>" + _table(ranked[PLACES_SHOWN:], cols)
                 + "</details>")  # fmt: skip
    return html


def _distance_row(d: Distance) -> dict:
    return {**d.place.as_dict(), "side": d.side, "distance_km": d.distance_km, "snapshot_date": d.snapshot_date}


def _provenance(ch: Change) -> str:
    rows = []
    for end in ("from", "to"):
        p = ch.provenance[end]
        rows.append({"map": end, "snapshot_date": p["snapshot_date"], "file": p["file"], "sha256": p["sha256"][:16]})
    return ("<h2>Provenance</h2>" + _table(rows, [("map", "end"), ("snapshot_date", "map of"), ("file", "file"),
                                                ("sha256", "sha256 (first 16)")])
            + f'<p class="small">Clip outline: {escape(CLIP_OUTLINES["geoboundaries"])}.</p>')  # fmt: skip


def _page(title: str, body: str, *, credit: str, generated: str, version: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f"<body>{body}<p class=\"credit\">{escape(credit)}<br>Made by Frontwatch {escape(version)} on "
            f"{escape(generated)} UTC.</p></body></html>\n")  # fmt: skip


def _credit(source: str, attribution: str) -> str:
    return (
        f"Control maps: {attribution} ({source}). Borders: © OpenStreetMap contributors (ODbL); "
        "geoBoundaries (CC BY-SA 4.0); neighbours: Natural Earth. Places: GeoNames (CC BY 4.0)."
    )


def render_window(w: WindowReport) -> str:
    """The HTML page of a window report."""
    ch = w.change
    title = f"What changed on {w.source}'s map, {ch.from_date} → {ch.to_date}"
    body = f"<h1>{escape(title)}</h1>" + window_section(w, heading=False)
    return _page(title, body, credit=_credit(w.source, ch.attribution), generated=w.generated, version=w.version)


def _verdict(v: dict) -> str:
    cls = v["verdict"].replace(" ", "-")
    m = v.get("measured")
    measured = f" {m:,.1f} {v.get('unit') or ''}" if isinstance(m, float) else (f" {m}" if m is not None else "")
    snaps = " → ".join(x for x in (v.get("snapshot_from"), v.get("snapshot_to")) if x)
    return (f'<span class="verdict {cls}">{escape(v["verdict"])}</span>{escape(measured)}'
            + (f' <span class="small">[{escape(snaps)}]</span>' if snaps else "")
            + (f"<br>{escape(v['sentence'])}" if v.get("sentence") else
               (f"<br>{escape(v['reason'])}" if v.get("reason") else ""))
            + f'<details class="small"><summary>rule</summary>{escape(v["rule"])}</details>')  # fmt: skip


def render_article(a: ArticleReport) -> str:
    """The HTML page of an article report: claims and verdicts, then the main window."""
    out = [f"<h1>Claims in “{escape(a.title)}”</h1>",
           f'<p class="lede">Published {escape(a.published)}; checked against {escape(", ".join(a.sources))}. '
           f"{len(a.claims)} claims found.</p>"]  # fmt: skip
    head = "".join(f"<th>{escape(s)}</th>" for s in a.sources)
    rows = []
    for i, c in enumerate(a.claims, start=1):
        who = c.get("claimant") or "the text"
        q = c.get("quantity_text") or ""
        window = " → ".join(dict.fromkeys(x for x in (c.get("window_from"), c.get("window_to")) if x))
        cells = "".join(f"<td>{_verdict(v)}</td>" for v in c["verdicts"])
        rows.append(f"<tr><td class=\"n\">{i}</td><td><blockquote>{escape(c['text'])}</blockquote>"
                    f'<span class="small">{escape(c["kind"])} · {escape(who)} {escape(c["stance"])}'
                    f"{' · ' + escape(q) if q else ''}{' · ' + escape(window) if window else ''}</span></td>"
                    f"{cells}</tr>")  # fmt: skip
    out.append(f"<h2>Claims and verdicts</h2><table><thead><tr><th>#</th><th>claim</th>{head}</tr></thead>"
               f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip
    credit = "Places: GeoNames (CC BY 4.0)."
    if a.window:
        out.append(f'<h2>The map of the article\'s window</h2><p class="small">Window: {escape(a.window_rule)}.</p>')
        out.append(window_section(a.window, heading=False))
        credit = _credit(a.window.source, a.window.change.attribution)
    else:
        out.append("<p>No source has maps for the article's window.</p>")
    return _page(f"Claims in {a.title}", "\n".join(out), credit=credit, generated=a.generated, version=a.version)
