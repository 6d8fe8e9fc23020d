"""Claims: the claim model, extraction of checkable claims from news text, and (in
``verify``) their verdicts against control maps."""

from frontwatch.claims.extract import claims_from_structured, extract_claims, resolve_window, sentence_spans
from frontwatch.claims.model import (
    ACTIONS,
    KINDS,
    QUALIFIERS,
    STANCES,
    UNITS,
    Claim,
    Conversion,
    InvalidClaim,
    Quantity,
    Window,
    convert_value,
    precision_of,
)

__all__ = [
    "ACTIONS",
    "KINDS",
    "QUALIFIERS",
    "STANCES",
    "UNITS",
    "Claim",
    "Conversion",
    "InvalidClaim",
    "Quantity",
    "Window",
    "claims_from_structured",
    "convert_value",
    "extract_claims",
    "precision_of",
    "resolve_window",
    "sentence_spans",
]
