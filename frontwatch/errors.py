"""Errors and data-quality warnings raised by Frontwatch.

Every error derives from :class:`FrontwatchError` and also from the fitting built-in,
and keeps the identifiers it names as attributes.
"""

from __future__ import annotations


class FrontwatchError(Exception):
    """Base class of every error Frontwatch raises on purpose."""


class InputFileError(FrontwatchError, ValueError):
    """A source file cannot be read or does not follow its format."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # worker processes hand these back: rebuild from both fields
        return (type(self), (self.path, self.problem))


class UnknownSource(FrontwatchError, LookupError):
    """A source name that no adapter or store entry knows."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown source {name!r}; known sources: {', '.join(known) or 'none'}")


class SnapshotNotFound(FrontwatchError, LookupError):
    """No snapshot of a source is valid on or before the asked date."""

    def __init__(self, source: str, date: str, first: str | None = None) -> None:
        self.source = source
        self.date = date
        self.first = first
        where = f"; its first snapshot is of {first}" if first else "; the store holds none"
        super().__init__(f"no {source} snapshot is valid on or before {date}{where}")


class InvalidDate(FrontwatchError, ValueError):
    """A date that is not a calendar day in ISO form (YYYY-MM-DD)."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(f"invalid date {value!r}: expected YYYY-MM-DD")


class InvalidWindow(FrontwatchError, ValueError):
    """A window whose dates or length do not make sense."""


class StoreError(FrontwatchError, RuntimeError):
    """The store file cannot be opened or is not a Frontwatch store."""
