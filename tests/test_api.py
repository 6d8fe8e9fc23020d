"""The public API (#12): every name of ``frontwatch.__all__`` resolves, is documented in
``docs/api.md`` and has a docstring; the list is pinned (a change is a decision)."""

from __future__ import annotations

import importlib
import inspect

import frontwatch as fw
from tests.conftest import ROOT

PINNED = {
    "AmbiguousPlace", "Claim", "FrontwatchError", "Place", "PlaceNotFound", "SQLiteStore", "Store",
    "all_places", "area_on", "change_between", "changed_places", "check_file", "compare_sources",
    "depth_windows", "distance_series", "distance_to_other_side", "extract_claims", "front_on", "ingest",
    "open_store", "place_control", "place_history", "resolve", "resolve_one", "series", "since",
    "snapshots", "sources_summary", "to_geodataframe", "top_windows", "update", "verify",
}  # fmt: skip


def test_the_public_names_are_pinned():
    assert set(fw.__all__) == PINNED and len(fw.__all__) >= 20


def test_every_public_name_resolves_and_is_documented():
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in fw.__all__:
        obj = getattr(fw, name)
        assert inspect.getdoc(obj), name
        assert f"`{name}`" in api, f"{name} is not in docs/api.md"


def test_modules_are_modules():
    # a function exported at the top must not hide the module of its name
    for mod in ("ingest", "advance", "export", "areas", "changes", "settlements", "frontline"):
        m = importlib.import_module(f"frontwatch.{mod}")
        assert inspect.ismodule(m), mod
