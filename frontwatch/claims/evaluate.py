"""Scoring the extractor and the verifier against a labelled corpus of news texts.

A corpus is a folder of ``NN-slug.txt`` texts with ``NN-slug.json`` labels (the format is
written down in ``tests/data/claims/README.md``). :func:`evaluate` extracts the claims of
every text, pairs each labelled claim with an extracted one of the same sentence, and scores

- claims: precision (extracted measurable claims that answer a label) and recall;
- fields (kind, claimant, stance, side, place, scope, quantity, qualifier, window,
  disputed_by): precision and recall per field, and the share of labelled fields right
  (a labelled ``null`` is right when nothing was extracted; a missed claim gets every
  field wrong);
- verdicts, when a store is given: the share of (claim, source) labels the verifier
  matched (a missed claim gets every verdict wrong).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from frontwatch.claims.model import Claim, compass_oblasts
from frontwatch.errors import InputFileError

FIELDS = (
    "kind", "claimant", "stance", "side", "place", "scope", "quantity", "qualifier", "window",
    "disputed_by",
)  # fmt: skip
"""Fields scored, in the order of the report."""

SCOPED_KINDS = frozenset({"area_change", "settlement_count", "advance_depth", "share", "area_held"})
"""Kinds whose scope (the oblasts measured in) is scored; a place's own oblast is not a scope."""

UNSCORED_KINDS = frozenset({"other"})
"""Extracted kinds that are not claims a map can check: never counted as false positives."""

LOSING_ACTIONS = frozenset({"loss", "withdraw"})
"""Actions whose acting side gives the place up: the label's side is the other one."""

WINDOW_SLACK_DAYS = 1
QUANTITY_REL = 0.005


@dataclass(frozen=True, slots=True)
class Text:
    """A labelled text of the corpus."""

    name: str
    text: str
    published: date
    labels: tuple[dict[str, Any], ...]


def load_corpus(folder: str | Path) -> list[Text]:
    """The labelled texts of a folder (``*.txt`` with a ``.json`` of labels beside each).

    Raises
    ------
    InputFileError
        When a label file is missing, malformed, or quotes words its text does not hold.
    """
    out = []
    for txt in sorted(Path(folder).glob("*.txt")):
        meta = txt.with_suffix(".json")
        if not meta.is_file():
            raise InputFileError(str(meta), f"no labels for {txt.name}")
        try:
            doc = orjson.loads(meta.read_bytes())
            published = date.fromisoformat(doc["published"])
            labels = tuple(doc["claims"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputFileError(str(meta), f"malformed labels ({exc})") from exc
        text = txt.read_text(encoding="utf-8")
        for lab in labels:
            if _norm(lab.get("quote", "")) not in _norm(text):
                raise InputFileError(str(meta), f"quote {lab.get('quote')!r} is not in {txt.name}")
        out.append(Text(txt.stem, text, published, labels))
    return out


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(str.maketrans("\u2019\u2018\u201c\u201d\u2013\u2014", "''\"\"--"))
    return re.sub(r"\s+", " ", text).strip()


def _fold(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"'s\b", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# --------------------------------------------------------------------------------------
# What an extracted claim says, field by field


def claim_fields(claim: Claim) -> dict[str, Any]:
    """The scored fields of an extracted claim, in the labels' terms."""
    subj = claim.subject or {}
    q, w = claim.quantity, claim.window
    place = subj.get("place")
    if subj.get("geonameid"):
        from frontwatch.gazetteer import gazetteer

        try:
            place = gazetteer().by_id(int(subj["geonameid"])).name
        except (LookupError, ValueError):
            pass
    disputer = next((r.get("claimant") for r in getattr(claim, "responses", None) or ()
                     if r.get("stance") == "disputes"), None)  # fmt: skip
    side = subj.get("side")
    if side and subj.get("action") in LOSING_ACTIONS:  # labels name the side that ends up holding
        side = {"UA": "RU", "RU": "UA"}[side]
    return {
        "kind": claim.kind,
        "claimant": claim.claimant,
        "stance": claim.stance,
        "side": side,
        "place": place,
        "scope": _scope(subj),
        "quantity": (q.value, q.unit) if q else None,
        "qualifier": q.qualifier if q else None,
        "window": (w.start, w.end) if w else None,
        "disputed_by": disputer,
    }


def _scope(subj: dict[str, Any]) -> tuple[str, ...] | None:
    if subj.get("oblasts"):
        return tuple(sorted(subj["oblasts"]))
    if subj.get("oblast"):
        return (subj["oblast"],)
    region = (subj.get("region") or "").strip().lower()
    if subj.get("country") == "RU" and region:
        return (subj["region"],)
    if region and compass_oblasts(region):
        return tuple(sorted(compass_oblasts(region) or ()))
    return None


def label_fields(label: dict[str, Any]) -> dict[str, Any]:
    """The scored fields of a label, in the same shape as :func:`claim_fields`."""
    q = label.get("quantity")
    start, end = label.get("window_from"), label.get("window_to")
    scope = label.get("scope")
    return {
        "kind": label.get("kind"),
        "claimant": label.get("claimant"),
        "stance": label.get("stance", "claims"),
        "side": label.get("side"),
        "place": label.get("place"),
        "scope": tuple(sorted(scope)) if scope else None,
        "quantity": (float(q), label.get("unit") or "count") if q is not None else None,
        "qualifier": label.get("qualifier") if q is not None else None,
        "window": (date.fromisoformat(start), date.fromisoformat(end)) if start and end else None,
        "disputed_by": label.get("disputed_by"),
    }


def field_right(name: str, expected: Any, got: Any, *, kind: str | None = None) -> bool:
    """Whether an extracted field value answers the labelled one (``None`` = absent)."""
    if name == "scope" and kind not in SCOPED_KINDS:
        return True
    if expected is None or got is None:
        return expected is None and got is None
    if name in ("claimant", "disputed_by"):
        options = expected if isinstance(expected, list) else [expected]
        g = _fold(got)
        return any(o and g and (_fold(o) in g or g in _fold(o)) for o in options)
    if name == "place":
        return _fold(expected) == _fold(got)
    if name == "quantity":
        (ev, eu), (gv, gu) = expected, got
        return eu == gu and abs(ev - gv) <= QUANTITY_REL * max(abs(ev), 1.0)
    if name == "window":
        return all(abs((e - g).days) <= WINDOW_SLACK_DAYS for e, g in zip(expected, got, strict=True))
    return expected == got


# --------------------------------------------------------------------------------------
# Pairing labels with extracted claims


def _sentence_of(text: str, quote: str, claims: Sequence[Claim]) -> set[int]:
    """Indices of the claims whose sentence holds the quote."""
    q = _norm(quote)
    return {i for i, c in enumerate(claims) if q in _norm(c.text)}


def pair(labels: Sequence[dict[str, Any]], claims: Sequence[Claim], text: str) -> list[int | None]:
    """For each label, the index of the extracted claim that answers it (or None): a claim
    of the label's sentence, of the label's kind first, then of any kind left, the best by
    place, quantity and side, each used once."""
    used: set[int] = set()
    out: list[int | None] = [None] * len(labels)
    fields = [claim_fields(c) for c in claims]
    for same_kind in (True, False):
        for k, lab in enumerate(labels):
            if out[k] is not None:
                continue
            want = label_fields(lab)
            best, best_score = None, -1
            for i in sorted(_sentence_of(text, lab.get("quote", ""), claims) - used):
                got = fields[i]
                if (got["kind"] == want["kind"]) != same_kind:
                    continue
                if got["kind"] in UNSCORED_KINDS and want["kind"] not in UNSCORED_KINDS:
                    continue
                score = (2 * field_right("place", want["place"], got["place"])
                         + 2 * field_right("quantity", want["quantity"], got["quantity"])
                         + field_right("side", want["side"], got["side"]))  # fmt: skip
                if score > best_score:
                    best, best_score = i, score
            if best is not None:
                used.add(best)
                out[k] = best
    return out


# --------------------------------------------------------------------------------------
# Scores


@dataclass
class Score:
    """Counts behind the report (see :meth:`table`)."""

    labels: int = 0
    matched: int = 0
    extracted: int = 0
    spurious: int = 0
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    verdicts: int = 0
    verdicts_right: int = 0
    by_source: Counter = field(default_factory=Counter)
    by_source_right: Counter = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fields_right(self) -> float:
        total = self.labels * len(FIELDS)
        return sum(self.right.values()) / total if total else 0.0

    @property
    def verdict_accuracy(self) -> float | None:
        return self.verdicts_right / self.verdicts if self.verdicts else None

    def as_dict(self) -> dict[str, Any]:
        per_field = {}
        for f in FIELDS:
            tp, fp, fn = self.tp[f], self.fp[f], self.fn[f]
            per_field[f] = {
                "precision": tp / (tp + fp) if tp + fp else None,
                "recall": tp / (tp + fn) if tp + fn else None,
                "right": self.right[f] / self.labels if self.labels else None,
            }
        return {
            "labels": self.labels, "matched": self.matched, "extracted": self.extracted,
            "claim_recall": self.matched / self.labels if self.labels else None,
            "claim_precision": (self.extracted - self.spurious) / self.extracted if self.extracted else None,
            "fields_right": self.fields_right, "fields": per_field,
            "verdicts": self.verdicts, "verdict_accuracy": self.verdict_accuracy,
            "verdict_accuracy_by_source": {s: self.by_source_right[s] / n for s, n in self.by_source.items()},
            "misses": self.misses,
        }  # fmt: skip


def evaluate(corpus: Iterable[Text], *, store: Any = None, sources: Sequence[str] = (), progress: Any = None) -> Score:
    """Score extraction (and verdicts, with a store) on a labelled corpus.

    Parameters
    ----------
    corpus
        Texts from :func:`load_corpus`.
    store
        A store holding ``sources``; without one only extraction is scored.
    sources
        Sources whose labelled verdicts are scored (labels for other sources are ignored).
    progress
        Called with each text's name before it is scored.
    """
    from frontwatch.claims.extract import extract_claims

    score = Score()
    for item in corpus:
        if progress is not None:
            progress(item.name)
        claims = extract_claims(item.text, published=item.published)
        index = pair(item.labels, claims, item.text)
        score.labels += len(item.labels)
        counted = [i for i, c in enumerate(claims) if c.kind not in UNSCORED_KINDS]
        score.extracted += len(counted)
        score.spurious += len(set(counted) - set(i for i in index if i is not None))
        results: list[dict] | None = None
        if store is not None and sources:
            from frontwatch.claims.verify import verify

            results = verify(store, claims, list(sources))
        for lab, i in zip(item.labels, index, strict=True):
            want = label_fields(lab)
            got = claim_fields(claims[i]) if i is not None else dict.fromkeys(FIELDS)
            score.matched += i is not None
            wrong = []
            for f in FIELDS:
                ok = i is not None and field_right(f, want[f], got[f], kind=want["kind"])
                if f == "scope" and want["kind"] not in SCOPED_KINDS:
                    score.right[f] += i is not None
                    continue
                score.right[f] += ok
                if ok and want[f] is not None:
                    score.tp[f] += 1
                if not ok:
                    wrong.append(f)
                    score.fn[f] += want[f] is not None
                    score.fp[f] += got[f] is not None
            verdicts = {}
            for src in sources if results is not None else ():
                expected = (lab.get("verdicts") or {}).get(src)
                if not expected:
                    continue
                exp = expected[0] if isinstance(expected, list) else expected
                got_v = None
                if i is not None and results is not None:
                    got_v = next(v["verdict"] for v in results[i]["verdicts"] if v["source"] == src)

                score.verdicts += 1
                score.by_source[src] += 1
                if got_v == exp:
                    score.verdicts_right += 1
                    score.by_source_right[src] += 1
                else:
                    verdicts[src] = {"expected": exp, "got": got_v}
            if wrong or verdicts:
                score.misses.append({
                    "text": item.name, "quote": lab.get("quote"), "matched": i is not None,
                    "fields": {f: {"expected": _plain(want[f]), "got": _plain(got[f])} for f in wrong},
                    "verdicts": verdicts,
                })  # fmt: skip
    return score


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
