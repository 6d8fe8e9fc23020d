"""Checking a file of claims: extract (text) or load (JSON) the claims, then verify them."""

from __future__ import annotations

from .extract import claims_from_structured, extract_claims


def check_file(store, path, *, published, sources, progress=None):
    """Extract (text) or load (JSON list) the claims of a file and verify them per source
    (``progress(done, total, name)`` after each claim verified)."""

    from pathlib import Path

    import orjson

    from ..errors import InputFileError
    from ..timeline import parse_date
    from .verify import verify

    day = parse_date(published)
    p = Path(path)
    raw = p.read_bytes()
    if p.suffix.lower() == ".json":
        try:
            items = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InputFileError(str(p), f"malformed JSON ({exc})") from exc
        if isinstance(items, dict):
            items = items.get("claims", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InputFileError(str(p), 'expected a JSON list of claims (objects), or {"claims": [...]}')
        claims = claims_from_structured(items, published=day)
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFileError(str(p), f"not UTF-8 text ({exc})") from exc
        claims = extract_claims(text, published=day)

    return verify(store, claims, sources, progress=progress)


def check_text(store, text: str, *, published, sources, progress=None):
    """Extract the claims of an English ``text`` published on ``published`` and verify them
    per source (what :func:`check_file` does for a text file; the web API's check)."""
    from ..timeline import parse_date
    from .verify import verify

    return verify(store, extract_claims(text, published=parse_date(published)), sources, progress=progress)
