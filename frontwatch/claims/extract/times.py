"""Time phrases, dates and windows: the phrase patterns, their resolution and :func:`resolve_window`.

Rules
-----
Windows
    Relative phrases resolve against the publication date, or against the date of the
    statement when the text dates it ("Ukraine said on Friday ... in the past week"): see
    :func:`resolve_window`; every window states its rule.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from frontwatch.claims.extract.text import _FOLD
from frontwatch.claims.model import WAR_START, InvalidClaim, Window

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DATE_GROUPS = re.compile(
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH_RE})(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{{4}}))?"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
)
_DATE_PLAIN = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RE}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})"
)
_MONTH_ONLY = rf"(?:(?i:early|mid|late|mid-)\s*)?(?P<month>{_MONTH_RE})(?:\s+(?P<year>\d{{4}}))?"
_SMALL_NUMBER = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3})"
_SMALL_VALUES = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

_TIME_PATTERNS: list[tuple[str, int, re.Pattern[str]]] = [
    # (kind, priority: lower wins for the event window, pattern)
    ("between", 0, re.compile(
        rf"\b(?i:between|from)\s+(?P<a>{_DATE_PLAIN})\s+(?i:and|to|until|through)\s+(?P<b>{_DATE_PLAIN})"
    )),
    ("period_to", 0, re.compile(
        rf"\b(?i:in|over|during)\s+the\s+(?P<u>week|fortnight|month|seven\s+days|24\s+hours)\s+"
        rf"(?i:to|ending|through|until|up\s+to)\s+(?:(?i:on)\s+)?(?P<when>{_DATE_PLAIN}|(?:Monday|Tuesday|Wednesday|"
        rf"Thursday|Friday|Saturday|Sunday))"
    )),
    ("between_days", 0, re.compile(
        rf"\b(?i:between|from)\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*(?i:and|to|until|-)\s*"
        rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH_RE})(?:,?\s+(?P<yr>\d{{4}}))?"
    )),
    ("war", 1, re.compile(
        r"\b(?i:since\s+(?:the\s+)?(?:(?:full[- ]scale\s+|russian\s+)?(?:war|invasion)\s+"
        r"(?:began|started|broke\s+out)(?:\s+(?:some\s+|about\s+)?\w+\s+(?:days?|weeks?|months?|years?)"
        r"\s+ago)?|(?:start|beginning|outbreak)\s+of\s+(?:the\s+)?(?:full[- ]scale\s+|russian\s+)?"
        r"(?:war|invasion)))"
    )),
    ("period_start", 1, re.compile(
        rf"\b(?i:since\s+the\s+(?:start|beginning|turn)\s+of\s+(?:the\s+|this\s+)?)"
        rf"(?P<what>(?i:year|month|week)|{_MONTH_RE}(?:\s+\d{{4}})?|\d{{4}})\b"
        r"|\b(?i:so\s+far\s+(?:this|in)\s+(?:the\s+)?)(?P<what2>(?i:year|month|week)|\d{4})\b"
        r"|\b(?P<ytd>(?i:year[- ]to[- ]date|month[- ]to[- ]date))\b"
    )),
    ("since", 1, re.compile(
        rf"\b(?i:since)\s+(?:(?:(?i:the|a|an|its|their|his|her)\b|[a-z]+ing\b)[^.;]{{0,120}}?\b(?i:on|in)\s+)?"
        rf"(?P<when>{_DATE_PLAIN}|{_MONTH_ONLY})"
    )),
    ("last_period", 2, re.compile(r"(?<!the )(?<!past )\b(?i:last)\s+(?P<u>month|year)\b")),
    ("duration", 2, re.compile(
        rf"\b(?i:(?:(?:in|over|during|within|for)\s+)?(?:the\s+)?(?:last|past|previous)\s+"
        rf"(?:(?P<n>{_SMALL_NUMBER})\s+)?(?P<u>days?|weeks?|fortnights?|months?|years?|hours?))\b"
    )),
    ("duration", 2, re.compile(
        rf"\b(?i:(?:in|within|over|inside)\s+(?:just\s+|only\s+)?(?P<n>{_SMALL_NUMBER})\s+"
        rf"(?P<u>days?|weeks?|fortnights?|months?))\b"
    )),
    ("this", 3, re.compile(r"\b(?i:this\s+(?P<u>week|month|year))\b")),
    ("ago", 4, re.compile(rf"\b(?i:(?P<n>{_SMALL_NUMBER})\s+(?P<u>days?|weeks?|months?)\s+ago)\b")),
    ("date", 4, re.compile(rf"\b(?:(?i:on)\s+)?(?P<when>{_DATE_PLAIN})")),
    ("weekday", 4, re.compile(
        r"\b(?:(?i:late\s+on|early\s+on|on|last)\s+)?"
        r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    )),
    ("yesterday", 4, re.compile(r"\b(?i:yesterday)\b")),
    ("today", 4, re.compile(r"\b(?i:today)\b")),
    ("month", 5, re.compile(rf"\b(?i:in|during|throughout|for|over)\s+{_MONTH_ONLY}\b")),
    ("month", 5, re.compile(
        rf"(?<![\w-])(?:(?i:its|their|the)\s+)?{_MONTH_ONLY}(?:'s|\s+(?=(?i:gains?|losses|total|advances?|tally|figures?)\b))")),
    ("year", 5, re.compile(
        r"\b(?i:in|during|throughout|for|over|of)\s+(?:(?i:the\s+year|all\s+of)\s+)?(?P<y>20[2-3]\d)\b(?![-/])")),
    ("now", 6, re.compile(r"\b(?i:now|currently)\b")),
]  # fmt: skip
_POINT_KINDS = frozenset({"date", "weekday", "yesterday", "today"})
PERIOD_KINDS = frozenset({"month", "this", "period_start", "last_period", "year", "since"})
"""Kinds whose window starts on the first day of a named period (a month, a year, "since
March"): a change over it starts from the map of the day before."""


@dataclass(frozen=True, slots=True)
class _Time:
    """A time phrase of a sentence: its span, its window, and the period it names itself
    (for "since X": X's own period, the reference of a rank)."""

    start: int
    end: int
    kind: str
    priority: int
    window: Window
    own: Window | None = None


def _day(d: date) -> str:
    return f"{calendar.day_name[d.weekday()]} {d.isoformat()}"


def _parse_date(text: str, published: date) -> date | None:
    m = _DATE_GROUPS.fullmatch(text.strip())
    if not m:
        return None
    try:
        if m.group("y3"):
            return date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3")))
        day = int(m.group("d1") or m.group("d2"))
        month = _MONTHS[(m.group("m1") or m.group("m2")).rstrip(".").lower()]
        year_text = m.group("y1") or m.group("y2")
        if year_text:
            return date(int(year_text), month, day)
        found = date(published.year, month, day)
        return found if found <= published else date(published.year - 1, month, day)
    except (ValueError, KeyError):
        return None


def _month_window(month_text: str, year_text: str | None, published: date) -> tuple[date, date, str]:
    month = _MONTHS[month_text.rstrip(".").lower()]
    if year_text:
        year, how = int(year_text), "as written"
    else:
        year = published.year if month <= published.month else published.year - 1
        how = "the latest one starting on or before the publication date"
    last = date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1), last, f"{calendar.month_name[month]} {year} ({how})"


def _months_back(d: date, n: int) -> date:
    year, month = divmod(d.year * 12 + d.month - 1 - n, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _span_back(anchor: date, n: int, unit: str) -> date:
    unit = unit.rstrip("s").lower()
    if unit == "hour":
        return anchor - timedelta(days=max(1, -(-n // 24)))
    if unit == "day":
        return anchor - timedelta(days=n)
    if unit == "week":
        return anchor - timedelta(days=7 * n)
    if unit == "fortnight":
        return anchor - timedelta(days=14 * n)
    if unit == "year":
        return _months_back(anchor, 12 * n)
    return _months_back(anchor, n)


def _time_phrases(s: str, published: date, anchor: date, anchor_rule: str) -> list[_Time]:
    """Every time phrase of a (folded) sentence, resolved; overlapping later matches of
    lower-priority patterns are dropped."""
    found: list[_Time] = []
    taken: list[tuple[int, int]] = []
    for kind, priority, pattern in _TIME_PATTERNS:
        for m in pattern.finditer(s):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            try:
                time = _resolve_match(kind, priority, m, published, anchor, anchor_rule)
            except (ValueError, KeyError, OverflowError):
                time = None
            if time is not None:
                found.append(time)
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda t: t.start)


_Resolved = tuple[date, date, str, Window | None]
"""What a time resolver returns: the window's start, end and rule, and the period the phrase
names itself (``_Time.own``), or None when the phrase names no period."""


def _resolve_between(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "between 1 September and 8 September", "from ... to ...": the two dates."""
    a, b = _parse_date(m.group("a"), published), _parse_date(m.group("b"), published)
    if a is None or b is None or a > b:
        return None
    return a, b, f"{text} = from {a.isoformat()} to {b.isoformat()}", None


def _resolve_between_days(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "between 1 and 8 September": two days of one month."""
    tail = f" {m.group('mon')}" + (f" {m.group('yr')}" if m.group("yr") else "")
    a = _parse_date(m.group("d1") + tail, published)
    b = _parse_date(m.group("d2") + tail, published)
    if a is None or b is None or a > b:
        return None
    return a, b, f"{text} = from {a.isoformat()} to {b.isoformat()}", None


def _resolve_war(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "since the war began (six months ago)": from the full-scale invasion up to the anchor."""
    rule = (
        f"since the war began = since the full-scale invasion on {WAR_START.isoformat()} "
        f"(a fixed date; any 'N months ago' in the phrase is not used), up to {anchor_rule}"
    )
    own = Window(WAR_START, WAR_START, text, "the full-scale invasion began on 2022-02-24")
    return WAR_START, anchor, rule, own


def _resolve_since(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "since 24 February", "since March": from that day or month up to the anchor."""
    when = m.group("when")
    if m.group("month") and _parse_date(when, published) is None:
        first, last, label = _month_window(m.group("month"), m.group("year"), published)
        own = Window(first, last, when, f"{when} = the calendar month {label}")
    else:
        day = _parse_date(when, published)
        if day is None:
            return None
        first = day
        own = Window(day, day, when, f"{when} = {day.isoformat()}")
    return first, anchor, f"since {when} = from {first.isoformat()} up to {anchor_rule}", own


def _resolve_duration(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "in the last week", "in three days": the days, weeks or months ending on the anchor."""
    n = _SMALL_VALUES.get((m.group("n") or "one").lower()) or int(m.group("n"))
    unit = m.group("u").lower()
    per = {"week": 7, "fortnight": 14}.get(unit.rstrip("s"))
    days, name = (per * n, "day") if per else (n, unit.rstrip("s"))
    count = name if days == 1 else f"{days} {name}s"
    return _span_back(anchor, n, unit), anchor, f"{text} = the {count} ending on {anchor_rule}", None


def _resolve_this(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "this week", "this month": from its Monday or first day up to the anchor."""
    unit = m.group("u").lower()
    start = {"week": anchor - timedelta(days=anchor.weekday()), "month": anchor.replace(day=1),
             "year": anchor.replace(month=1, day=1)}[unit]  # fmt: skip
    first = {"week": "the Monday of that week", "month": "the first day of that month",
             "year": "1 January of that year"}[unit]  # fmt: skip
    return start, anchor, f"{text} = from {first} ({start.isoformat()}) up to {anchor_rule}", None


def _resolve_period_to(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "in the week to 24 November": the week (fortnight, month) ending on that day."""
    when = m.group("when")
    end: date | None
    if when.lower() in _WEEKDAYS:
        end = published - timedelta(days=(published.weekday() - _WEEKDAYS[when.lower()]) % 7)
    else:
        end = _parse_date(when, published)
    if end is None:
        return None
    unit = m.group("u").lower()
    days = {"week": 7, "fortnight": 14, "seven days": 7, "24 hours": 1}.get(re.sub(r"\s+", " ", unit))
    start = end - timedelta(days=days) if days else _months_back(end, 1)
    return start, end, f"{text} = the {unit} ending on {end.isoformat()}", None


def _resolve_period_start(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "since the start of the year / of September / of 2024", "so far this year",
    "year-to-date": from the first day of that period up to the anchor."""
    what = (m.group("what") or m.group("what2") or m.group("ytd") or "").lower()
    if what.startswith("year"):
        start = anchor.replace(month=1, day=1)
    elif what.startswith("month"):
        start = anchor.replace(day=1)
    elif what == "week":
        start = anchor - timedelta(days=anchor.weekday())
    elif what.isdigit():
        start = date(int(what), 1, 1)
    else:
        month_text, _, year_text = what.partition(" ")
        start = _month_window(month_text, year_text or None, anchor)[0]
    return start, anchor, f"{text} = from {start.isoformat()} up to {anchor_rule}", None


def _resolve_last_period(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "last month", "last year" (without "the" or "past"): the previous calendar month or
    year before the anchor."""
    if m.group("u").lower() == "month":
        last = anchor.replace(day=1) - timedelta(days=1)
        start = last.replace(day=1)
    else:
        start, last = date(anchor.year - 1, 1, 1), date(anchor.year - 1, 12, 31)
    return start, last, f"{text} = the calendar {m.group('u').lower()} before {anchor_rule}: {start} to {last}", None


def _resolve_year(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "in 2024": the calendar year, up to the publication date if it has not ended."""
    year = int(m.group("y"))
    start, last = date(year, 1, 1), date(year, 12, 31)
    end = min(last, published) if start <= published else last
    return start, end, f"{text} = the calendar year {year}" + (", up to the publication date" if end < last else ""), None


def _resolve_ago(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "six months ago": the day that far before the publication date."""
    n = _SMALL_VALUES.get(m.group("n").lower()) or int(m.group("n"))
    day = _span_back(published, n, m.group("u"))
    return day, day, f"{text} = {day.isoformat()}, counted back from the publication date", None


def _resolve_date(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "on 8 September", "September 8, 2022", "2022-09-08": that day."""
    day = _parse_date(m.group("when"), published)
    if day is None:
        return None
    return day, day, f"{m.group('when')} = {day.isoformat()} (year of the publication date unless written)", None


def _resolve_weekday(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "on Thursday": the most recent Thursday on or before the publication date."""
    wd = _WEEKDAYS[m.group("wd").lower()]
    day = published - timedelta(days=(published.weekday() - wd) % 7)
    rule = (
        f"{m.group('wd')} = the most recent {m.group('wd')} on or before the publication "
        f"date ({_day(published)}): {day.isoformat()}"
    )
    return day, day, rule, None


def _resolve_yesterday(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "yesterday": the day before the publication date."""
    day = published - timedelta(days=1)
    return day, day, f"yesterday = the day before the publication date: {day.isoformat()}", None


def _resolve_today(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "today": the publication date."""
    return published, published, f"today = the publication date: {published.isoformat()}", None


def _resolve_month(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "in March": the calendar month, up to the publication date if it has not ended."""
    first, last, label = _month_window(m.group("month"), m.group("year"), published)
    end = min(last, published) if first <= published else last
    rule = f"{text} = the calendar month {label}" + (", up to the publication date" if end < last else "")
    return first, end, rule, None


def _resolve_now(m: re.Match[str], text: str, published: date, anchor: date, anchor_rule: str) -> _Resolved | None:
    """ "now", "currently": the date of the statement when the text dates it, else the
    publication date."""
    return anchor, anchor, f"{text} = {anchor_rule} ({anchor.isoformat()})", None


TIME_RESOLVERS: dict[str, Callable[[re.Match[str], str, date, date, str], _Resolved | None]] = {
    "between": _resolve_between, "between_days": _resolve_between_days, "war": _resolve_war,
    "since": _resolve_since, "duration": _resolve_duration, "this": _resolve_this,
    "ago": _resolve_ago, "date": _resolve_date, "weekday": _resolve_weekday,
    "yesterday": _resolve_yesterday, "today": _resolve_today, "month": _resolve_month,
    "now": _resolve_now, "period_start": _resolve_period_start, "last_period": _resolve_last_period,
    "year": _resolve_year, "period_to": _resolve_period_to,
}  # fmt: skip
"""The resolver of each kind of :data:`_TIME_PATTERNS`: ``(match, phrase, published, anchor,
anchor_rule)`` → ``(start, end, rule, own)`` or None. "Anchor" is the date relative phrases
count from (the publication date, or the date of the statement) and ``anchor_rule`` says which."""


def _resolve_match(
    kind: str, priority: int, m: re.Match[str], published: date, anchor: date, anchor_rule: str
) -> _Time | None:
    text = m.group(0).strip()
    resolved = TIME_RESOLVERS[kind](m, text, published, anchor, anchor_rule)
    if resolved is None:
        return None
    start, end, rule, own = resolved
    if start > end:
        return None
    return _Time(m.start(), m.end(), kind, priority, Window(start, end, text, rule), own)


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidClaim("published", value, "a date or an ISO date string YYYY-MM-DD") from None


def resolve_window(phrase: str, *, published: date) -> Window | None:
    """The window a time phrase names, relative to a publication date.

    Parameters
    ----------
    phrase
        A phrase such as "in the last week", "in three days", "on Thursday", "in March",
        "since March", "this week", "yesterday", "since the war began six months ago",
        "8 September", "September 8, 2022", "2022-09-08", "between 1 and 8 September".
    published
        Publication date (UTC calendar day) the phrase is relative to.

    Returns
    -------
    Window or None
        None when the phrase names no period or a period that ends before it starts.

    Notes
    -----
    Durations ("last week", "the past 3 days", "in a week") end on the publication date
    and go back 7 days per week, 1 per day, or calendar months; "this week" starts on the
    Monday; a weekday is the most recent such day on or before the publication date; a
    month without a year is the latest one starting on or before it; "since the war began"
    starts on 2022-02-24 (:data:`~frontwatch.claims.model.WAR_START`), whatever "N months
    ago" the text adds.
    """
    published = _as_date(published)
    norm = phrase.translate(_FOLD)
    times = _time_phrases(norm, published, published, f"the publication date ({published.isoformat()})")
    if not times:
        return None
    return min(times, key=lambda t: (t.priority, t.start)).window
