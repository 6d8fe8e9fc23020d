"""Typed results: the base every answer's dataclass shares (:class:`Result`), its JSON-ready
``as_dict()`` and the read-only mapping view kept for code written against the old dicts.

A result is a frozen, slotted dataclass whose fields are, in order, the keys of its JSON
(the CLI's and the web API's field names are a public contract: additions only). A field
made with :func:`optional` is left out of ``as_dict()`` while it is None (a key the JSON
had only sometimes, such as ``by_oblast``); a field made with :func:`not_json` (shapely
geometries) is never in it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

_OMIT = "omit_none"
_JSON = "json"


def optional(**kw: Any) -> Any:
    """A field left out of ``as_dict()`` while it is None (default None)."""
    kw.setdefault("default", None)
    return dataclasses.field(metadata={_OMIT: True}, **kw)


def not_json(**kw: Any) -> Any:
    """A field never in ``as_dict()`` (a shapely geometry; default None)."""
    kw.setdefault("default", None)
    return dataclasses.field(metadata={_JSON: False}, repr=False, compare=False, **kw)


_Layout = tuple[tuple[str, bool, bool], ...]
_LAYOUTS: dict[type, _Layout] = {}
"""Each result class's layout, read once (a cache of the classes' field lists)."""


def _layout(cls: type) -> _Layout:
    """``(name, omitted when None, in the JSON)`` of each field of ``cls``, in order."""
    got = _LAYOUTS.get(cls)
    if got is None:
        got = _LAYOUTS[cls] = tuple((f.name, bool(f.metadata.get(_OMIT)), f.metadata.get(_JSON, True) is not False)
                                    for f in dataclasses.fields(cls))  # fmt: skip
    return got


def plain(value: Any) -> Any:
    """``value`` with every :class:`Result` (or other object with ``as_dict()``, such as a
    :class:`~frontwatch.place.Place`) in it, in lists and dicts, as its dict."""
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Result) or callable(getattr(value, "as_dict", None)):  # (a Place too)
        return value.as_dict()
    return value


_SCALARS = (str, int, float)


class Result:
    """The base of the typed results (a mixin for frozen, slotted dataclasses).

    ``as_dict()`` is the answer as JSON-ready data, exactly the keys, order and values the
    CLI prints with ``--format json``. ``result["key"]``, ``result.get("key")``, ``"key" in
    result`` and ``result.keys()`` read the same fields (and, by name, the geometries that
    ``as_dict()`` leaves out) for code written when results were dicts; prefer the
    attributes.
    """

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (nested results as their dicts, geometries left out)."""
        out: dict[str, Any] = {}
        for name, omit, json in _layout(type(self)):
            if not json:
                continue
            value = getattr(self, name)
            if value is None and omit:
                continue
            out[name] = plain(value)
        return out

    def _present(self, key: str) -> bool:
        for name, omit, json in _layout(type(self)):
            if name == key:
                return not ((omit or not json) and getattr(self, name) is None)
        return False

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or not self._present(key):
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` where the result has no such key."""
        return getattr(self, key) if isinstance(key, str) and self._present(key) else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._present(key)

    def keys(self) -> list[str]:
        """The keys of :meth:`as_dict`, in order."""
        return [name for name, omit, json in _layout(type(self))
                if json and not (omit and getattr(self, name) is None)]  # fmt: skip


def json_default(obj: Any) -> Any:
    """orjson's ``default`` (with ``OPT_PASSTHROUGH_DATACLASS``): a :class:`Result` as its
    :meth:`~Result.as_dict`, any other dataclass field by field (as orjson writes them)."""
    if isinstance(obj, Result):
        return obj.as_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    raise TypeError(f"cannot write a {type(obj).__name__} as JSON")


@dataclasses.dataclass(frozen=True, slots=True)
class TwoMaps(Result):
    """The fields an answer about two maps of one source opens with: the source, the asked
    dates, the valid dates of the maps compared and their lags (days)."""

    source: str
    from_date: str
    to_date: str
    from_snapshot: str
    to_snapshot: str
    from_lag_days: int
    to_lag_days: int
