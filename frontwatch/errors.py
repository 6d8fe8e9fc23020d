"""Errors and data-quality warnings raised by Frontwatch.

Every error derives from :class:`FrontwatchError` and also from the fitting built-in,
and keeps the identifiers it names as attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .place import Candidate


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


class StaleMap(FrontwatchError, LookupError):
    """No map of a source within the allowed lag of an asked date (a gap in its history, or
    a date past its last map): the nearest maps are named."""

    def __init__(self, source: str, date: str, before: str, after: str | None, max_lag: int) -> None:
        self.source = source
        self.date = date
        self.before = before
        self.after = after
        self.max_lag = max_lag
        near = f"the nearest are of {before} and {after}" if after else f"its last is of {before}"
        super().__init__(f"no {source} map within {max_lag} days before {date}: {near} (--max-lag sets the days allowed)")

    def __reduce__(self):
        return (type(self), (self.source, self.date, self.before, self.after, self.max_lag))


class DateInFuture(FrontwatchError, ValueError):
    """An asked date after today (UTC): no map answers it."""

    def __init__(self, value: str, today: str) -> None:
        self.value = value
        self.today = today
        super().__init__(f"date {value} is in the future (today is {today}, UTC): no map answers it")

    def __reduce__(self):
        return (type(self), (self.value, self.today))


class InvalidWindow(FrontwatchError, ValueError):
    """A window whose dates or length do not make sense."""


class InvalidSetting(FrontwatchError, ValueError):
    """A setting (an option or its environment variable) with a value it cannot take."""

    def __init__(self, name: str, value: str, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid {name} {value!r}: expected {allowed}")

    def __reduce__(self):
        return (type(self), (self.name, self.value, self.allowed))


class StoreError(FrontwatchError, RuntimeError):
    """The store file cannot be opened or is not a Frontwatch store."""


class StoreNotFound(StoreError, LookupError):
    """No store where one was looked for: queries never create one (``ingest`` does)."""

    def __init__(self, path: str, how: str) -> None:
        self.path = str(path)
        self.how = how
        super().__init__(f"no Frontwatch store at {self.path} ({how}); a query does not create one: ingest a "
                         "source first (frontwatch ingest SOURCE PATH; in Python, "
                         "fw.open_store(path, create=True) then fw.ingest), or give the store's path "
                         "(--db, $FRONTWATCH_DB, fw.open_store(path))")  # fmt: skip

    def __reduce__(self):
        return (type(self), (self.path, self.how))


class NotAStore(StoreError):
    """A file that is not a Frontwatch store (another tool's GeoPackage or SQLite file, or
    not SQLite at all): it is refused before anything is written to it."""

    def __init__(self, path: str, what: str, hint: str = "") -> None:
        self.path = str(path)
        self.what = what
        self.hint = hint
        super().__init__(f"{self.path} is not a Frontwatch store: {what}; it was left unchanged{hint}")

    def __reduce__(self):
        return (type(self), (self.path, self.what, self.hint))


class StoreVersionError(StoreError):
    """A store whose schema this version of Frontwatch cannot use: made by a newer version,
    or older and read-only (so it cannot be upgraded)."""

    def __init__(self, path: str, version: int, supported: int, problem: str) -> None:
        self.path = str(path)
        self.version = version
        self.supported = supported
        self.problem = problem
        super().__init__(f"{self.path}: store schema version {version}, {problem}")

    def __reduce__(self):
        return (type(self), (self.path, self.version, self.supported, self.problem))


class StoreBusy(StoreError):
    """The store is locked by another process for longer than the busy timeout."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):
        return (type(self), (self.path, self.problem))


class IngestIncomplete(StoreError):
    """An ingest of a source was interrupted (killed) before it finished: answers from the
    source are refused until an ingest of it runs to the end."""

    def __init__(self, path: str, source: str, started: str) -> None:
        self.path = str(path)
        self.source = source
        self.started = started
        super().__init__(
            f"{self.path}: an ingest of {source} started {started} did not finish (it was "
            f"interrupted); run the ingest of {source} again to finish it before querying it"
        )

    def __reduce__(self):
        return (type(self), (self.path, self.source, self.started))


class DocumentTooLarge(InputFileError):
    """A document inside a source file (a compressed file, an archive member, a line of a
    revision archive) expands past the size limit: refused before it fills the memory."""

    def __init__(self, path: str, limit: int) -> None:
        self.limit = limit
        super().__init__(
            path,
            f"expands to more than {limit / 1e6:,.0f} MB (the limit of one "
            f"document; raise it with --max-document-mb or $FRONTWATCH_MAX_DOCUMENT_MB "
            "if the file is genuine)",
        )

    def __reduce__(self):
        return (type(self), (self.path, self.limit))


# -- places (the gazetteer) ------------------------------------------------------------


class PlaceNotFound(FrontwatchError, LookupError):
    """No populated place matches a name (or a GeoNames id)."""

    def __init__(
        self,
        name: str,
        suggestions: Sequence[str] = (),
        *,
        oblast: str | None = None,
        message: str | None = None,
    ) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.oblast = oblast
        if message is None:
            where = f" in {oblast}" if oblast else ""
            message = f"no place named {name!r}{where}"
            if self.suggestions:
                message += f"; did you mean: {', '.join(self.suggestions)}?"
        super().__init__(message)


class AmbiguousPlace(FrontwatchError, LookupError):
    """Several different places match a name equally well."""

    MAX_LISTED = 12

    def __init__(self, name: str, candidates: Sequence[Candidate], *, oblast: str | None = None) -> None:
        self.name = name
        self.candidates = list(candidates)
        self.oblast = oblast
        listed = "; ".join(c.place.label() for c in self.candidates[: self.MAX_LISTED])
        more = len(self.candidates) - self.MAX_LISTED
        if more > 0:
            listed += f"; and {more} more"
        where = f" in {oblast}" if oblast else ""
        ask = (
            "give a nearby point (near=(lon, lat)) or pick one by GeoNames id"
            if oblast
            else "give an oblast (oblast=...) or a nearby point (near=(lon, lat))"
        )
        super().__init__(f"{name!r} matches {len(self.candidates)} places{where} equally well: {listed}. To choose, {ask}")


class UnknownOblast(FrontwatchError, LookupError):
    """An oblast name or code that the gazetteer does not know."""

    def __init__(self, value: str, known: Sequence[str]) -> None:
        self.value = value
        self.known = list(known)
        super().__init__(
            f"unknown oblast {value!r}; known: {', '.join(self.known)} "
            "(or their Ukrainian names, or GeoNames admin1 codes such as '07')"
        )


# -- the web app's limits ----------------------------------------------------------------


class RequestTimeout(FrontwatchError, TimeoutError):
    """A request computed longer than the app's ``timeout_s``."""


class BodyTooLarge(FrontwatchError, ValueError):
    """A request body larger than the app's ``max_body_bytes``."""


# -- reports -----------------------------------------------------------------------------


class ExportError(FrontwatchError, RuntimeError):
    """A report cannot be written in the asked format."""


# -- fetching the live sources -----------------------------------------------------------


class FetchError(FrontwatchError):
    """A request failed for good (after its retries), or its answer is not usable."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


# -- claims ------------------------------------------------------------------------------


class InvalidClaim(FrontwatchError, ValueError):
    """A claim field whose value is not allowed."""

    def __init__(self, field_name: str, value: object, allowed: str) -> None:
        self.field = field_name
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid claim {field_name} {value!r}: expected {allowed}")
