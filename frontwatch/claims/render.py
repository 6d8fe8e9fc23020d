"""Claim check results as a verdict table (rows for the terminal, Markdown for a report)."""

from __future__ import annotations


def _q(c: dict) -> str:
    if c.get("quantity") is None:
        return ""
    qual = {"more_than": "> ", "at_least": "≥ ", "about": "~", "up_to": "≤ ", "less_than": "< "}
    unit = {"km2": " km²", "sq_mi": " sq mi", "count": "", "percent": "%"}.get(c["unit"], f" {c['unit']}")
    return f"{qual.get(c['qualifier'], '')}{c['quantity']:,g}{unit}".strip()


def _window(c: dict) -> str:
    if not c.get("window_from"):
        return ""
    return c["window_from"] if c["window_from"] == c["window_to"] else f"{c['window_from']} → {c['window_to']}"


def _cell(v: dict) -> str:
    if v["verdict"] in ("unverifiable", "not comparable") and v.get("measured") is None:
        return f"{v['verdict']} ({v.get('reason') or 'no data'})"
    m = v["measured"]
    m = f"{m:,.1f}" if isinstance(m, float) else str(m)
    snap = " → ".join(x for x in (v.get("snapshot_from"), v.get("snapshot_to")) if x)
    env = v.get("envelope")
    spread = f" ({env[0]:,.1f}–{env[1]:,.1f})" if env and env[1] > env[0] else ""
    text = f"{v['verdict']}: {m}{spread} {v.get('unit') or ''}" + (f" [{snap}]" if snap else "")
    if v.get("reason"):
        text += f" ({v['reason']})"
    later = v.get("later")
    if later and later.get("verdict") != "unverifiable":
        lm = later["measured"]
        lm = f"{lm:,.1f}" if isinstance(lm, float) else str(lm)
        text += f"; map of {later['snapshot_to']}: {later['verdict']} ({lm})"
    return text.replace("  ", " ")


def verdict_rows(results: list[dict], sources: list[str]) -> list[dict]:
    """One flat row per claim: text, kind, claimant, stance, quantity, window, one column per source."""
    rows = []
    for i, c in enumerate(results, start=1):
        row = {"#": i, "claim": c["text"][:90] + ("…" if len(c["text"]) > 90 else ""),
               "kind": c["kind"], "claimant": c.get("claimant") or "", "stance": c["stance"],
               "quantity": _q(c), "window": _window(c)}  # fmt: skip
        for v in c["verdicts"]:
            row[v["source"]] = _cell(v)
        rows.append(row)
    return rows


CSV_COLUMNS = ["claim_index", "text", "kind", "claimant", "stance", "quantity", "unit", "qualifier",
               "window_from", "window_to", "source", "verdict", "measured", "measured_unit", "envelope_low",
               "envelope_high", "snapshot_from", "snapshot_to", "lag_days", "rule", "sentence", "reason"]  # fmt: skip
"""Columns of ``check --format csv``: one row per claim and source, one value per cell."""


def csv_rows(results: list[dict]) -> list[dict]:
    """Tidy rows for CSV: one per claim and source; numbers as numbers, text untruncated."""
    rows = []
    for i, c in enumerate(results, start=1):
        q: dict = c["quantity"] if isinstance(c.get("quantity"), dict) else {}
        base = {"claim_index": i, "text": c["text"], "kind": c["kind"], "claimant": c.get("claimant") or "",
                "stance": c["stance"], "quantity": q.get("value", c.get("quantity") if not q else None),
                "unit": q.get("unit", c.get("unit")), "qualifier": q.get("qualifier", c.get("qualifier")),
                "window_from": c.get("window_from"), "window_to": c.get("window_to")}  # fmt: skip
        for v in c["verdicts"]:
            env = v.get("envelope") or [None, None]
            measured = v.get("measured")
            rows.append({**base, "source": v["source"], "verdict": v["verdict"],
                         "measured": measured if isinstance(measured, int | float) else None,
                         "measured_unit": v.get("unit"), "envelope_low": env[0], "envelope_high": env[1],
                         "snapshot_from": v.get("snapshot_from"), "snapshot_to": v.get("snapshot_to"),
                         "lag_days": v.get("lag_days"), "rule": v.get("rule"), "sentence": v.get("sentence"),
                         "reason": v.get("reason")})  # fmt: skip
    return rows


def markdown(results: list[dict], sources: list[str], *, title: str, published: str) -> str:
    """A Markdown report: the verdict table, then each claim with its rules and provenance."""
    out = [f"# {title}", "", f"Published {published}. Sources: {', '.join(sources)}.", ""]
    rows = verdict_rows(results, sources)
    cols = ["#", "claim", "kind", "claimant", "quantity", "window", *sources]
    out.append("| " + " | ".join(cols) + " |")
    out.append("|" + "---|" * len(cols))
    for r in rows:
        out.append("| " + " | ".join(str(r.get(c, "")).replace("|", "\\|") for c in cols) + " |")
    out.append("")
    for i, c in enumerate(results, start=1):
        out.append(f"## {i}. {c['kind']}: {_q(c) or c['stance']}")
        out.append("")
        out.append(f"> {c['text']}")
        out.append("")
        out.append(f"- claimant: {c.get('claimant') or '(the text)'}; stance: {c['stance']}; "
                   f"window: {_window(c) or 'none'}")  # fmt: skip
        for v in c["verdicts"]:
            line = f"- **{v['source']}**: {_cell(v)}"
            if v.get("lag_days"):
                line += f"; lag {v['lag_days']} d"
            if v.get("note"):
                line += f"; {v['note']}"
            out.append(line)
            if v.get("sentence"):
                out.append(f"  - {v['sentence']}")
            out.append(f"  - rule: {v['rule']}")
        out.append("")
    return "\n".join(out)
