"""What the store holds: sources, date ranges, counts, coverage and its breaks."""

from __future__ import annotations

from dataclasses import dataclass

from .results import Result
from .snapshot import describe_coverage
from .store import Store


@dataclass(frozen=True, slots=True)
class SourceSummary(Result):
    """What the store holds of one source (:func:`sources_summary`).

    Attributes
    ----------
    source, title
        The source's name and title.
    first_date, last_date
        The valid dates of its first and last usable maps (None when it has none).
    snapshots, superseded, excluded, files
        Usable maps, maps superseded by a later revision of the same day, maps excluded
        (faults), files ingested.
    coverage
        What the maps cover, run by run (``from DATE: ...; from DATE: ...``).
    coverage_breaks, flags
        The coverage breaks, and the other data-quality flags, each ``DATE: message``.
    unfinished_ingest
        What an ingest begun and not finished means for the answers, or None.
    attribution
        The source's credit.
    """

    source: str
    title: str
    first_date: str | None
    last_date: str | None
    snapshots: int
    superseded: int
    excluded: int
    files: int
    coverage: str
    coverage_breaks: list[str]
    flags: list[str]
    unfinished_ingest: str | None
    attribution: str


def sources_summary(store: Store) -> list[SourceSummary]:
    """One :class:`SourceSummary` per source in the store."""
    rows = []
    unfinished = store.unfinished_ingests()
    for name in sorted(set(store.source_names()) | set(unfinished)):
        all_recs = store.snapshots(name, usable_only=False)
        usable = [r for r in all_recs if not r.excluded and r.superseded_by is None]
        info = store.source_info(name)
        breaks = [f"{r.valid_date}: {f['message']}" for r in usable for f in r.flags if f["type"] == "coverage_break"]
        flagged = [f"{r.valid_date}: {f['message']}" for r in all_recs for f in r.flags if f["type"] != "coverage_break"]
        coverages: list[tuple[str, str]] = []

        for r in usable:
            c = describe_coverage(r.coverage)
            if not coverages or coverages[-1][1] != c:
                coverages.append((r.valid_date, c))
        rows.append(SourceSummary(
            source=name,
            title=info.title,
            first_date=usable[0].valid_date if usable else None,
            last_date=usable[-1].valid_date if usable else None,
            snapshots=len(usable),
            superseded=sum(1 for r in all_recs if r.superseded_by is not None),
            excluded=sum(1 for r in all_recs if r.excluded),
            files=store.file_count(name),
            coverage="; ".join(f"from {d}: {c}" for d, c in coverages),
            coverage_breaks=breaks,
            flags=flagged,
            unfinished_ingest=_unfinished(name, unfinished.get(name)),
            attribution=info.attribution,
        ))  # fmt: skip
    return rows


def _unfinished(source: str, mark: dict | None) -> str | None:
    """What an ingest of the source begun and not finished means for its answers, or None."""
    if mark is None:
        return None
    who = f"pid {mark['pid']} on {mark['host']}"
    if mark["running"]:
        return f"an ingest started {mark['started_at']} ({who}) is running; its answers may change"
    return (
        f"an ingest started {mark['started_at']} ({who}) did not finish (it was interrupted): answers "
        f"from {source} are refused until it is run again (or frontwatch remove --source {source} --all)"
    )
