"""The public API (#12): every name of ``frontwatch.__all__`` resolves, is documented in
``docs/api.md`` and has a docstring; the list is pinned (a change is a decision)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import frontwatch as fw
from tests.conftest import ROOT

PINNED = {
    "AmbiguousPlace", "Claim", "FrontwatchError", "Place", "PlaceNotFound", "SQLiteStore", "Store",
    "Advance", "AllPlaces", "Area", "Change", "ChangedPlaces", "DepthWindow", "Distance", "Front", "OblastChange",
    "OblastCount", "PlaceChange", "PlaceControl", "PlaceHistory", "PlaceSides", "RaionCount", "RankedWindow",
    "Result", "SeriesRow", "SideChange", "Since", "SinceWindow", "SourceSummary", "UnansweredChange",
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


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_error_is_defined_in_errors_py_and_importable_where_it_was():
    # #12: one errors.py; the old import paths keep working
    import frontwatch.claims
    import frontwatch.cli
    import frontwatch.fetch
    import frontwatch.report.export
    import frontwatch.web  # noqa: F401 (the classes register as subclasses on import)
    from frontwatch.claims.model import InvalidClaim
    from frontwatch.errors import FrontwatchError
    from frontwatch.fetch.http import FetchError
    from frontwatch.gazetteer import AmbiguousPlace, PlaceNotFound, UnknownOblast
    from frontwatch.report.export import ExportError
    from frontwatch.web.errors import BodyTooLarge, RequestTimeout

    errors = list(_subclasses(FrontwatchError))
    assert len(errors) >= 20
    assert [e.__name__ for e in errors if e.__module__ != "frontwatch.errors"] == []
    moved = {InvalidClaim, FetchError, AmbiguousPlace, PlaceNotFound, UnknownOblast, ExportError, BodyTooLarge,
             RequestTimeout}  # fmt: skip
    assert moved <= set(errors)


def test_no_module_over_600_lines():
    # #12: gazetteer.py (1,165 lines), cli.py (723) and store.py (707) were split by job
    sizes = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8").count("\n")
             for p in (ROOT / "frontwatch").rglob("*.py")}  # fmt: skip
    assert len(sizes) > 90
    assert {p: n for p, n in sizes.items() if n > 600} == {}


def test_import_frontwatch_ingest_gives_the_module_and_calling_it_ingests(tmp_path):
    # #12: `import frontwatch.ingest as m` is the module (it was the function); the pinned
    # `fw.ingest(store, source, paths)` still ingests (the module is callable)
    import frontwatch.ingest as m
    from tests.conftest import SAMPLES

    assert inspect.ismodule(m) and m is fw.ingest and inspect.isfunction(m.ingest)
    store = fw.open_store(tmp_path / "api.gpkg", create=True)
    try:
        first = fw.ingest(store, "liveuamap-nzz", [SAMPLES / "liveuamap-nzz"], workers=1)
        again = m.ingest(store, "liveuamap-nzz", [SAMPLES / "liveuamap-nzz"], workers=1)
    finally:
        store.close()
    assert isinstance(first, m.IngestSummary) and first.added > 0 and first.files > 0
    assert (again.added, again.unchanged_files) == (0, first.files)


def _imported_modules(path) -> set[str]:
    """The absolute names of the modules a file of the package imports (relative imports
    resolved; ``from X import y`` counts X and X.y)."""
    import ast

    package = list(path.relative_to(ROOT).parts[:-1])  # (an __init__'s package is its folder too)
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def test_no_analysis_imports_the_source_adapters():
    # #12: the credit of a source is stored at ingest; analyses, reports and the web read it
    # from the store. Only the ingest, the CLI (its list of sources), the fetchers' own
    # `fetch.sources` and the claims' short names (a lazy import) still use the adapters.
    allowed = {"frontwatch/ingest.py", "frontwatch/_ingest_items.py", "frontwatch/cli.py", "frontwatch/claims/_measure.py"}
    users = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "frontwatch").rglob("*.py")
        if "frontwatch/sources/" not in p.as_posix()
        and any(m == "frontwatch.sources" or m.startswith("frontwatch.sources.") for m in _imported_modules(p))
    )  # fmt: skip
    assert set(users) <= allowed
    assert "frontwatch/ingest.py" in users  # (the check sees relative imports)
    analyses = ["areas", "changes", "advance", "settlements", "inventory", "frontline", "export", "quality", "steps",
                "timeline"]  # fmt: skip
    assert all(f"frontwatch/{m}.py" not in users for m in analyses)


def test_every_result_type_is_a_frozen_slotted_dataclass_with_its_fields_documented():
    # #12: typed results; docs/api.md lists each type's own fields
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8").splitlines()
    types = [getattr(fw, n) for n in fw.__all__ if isinstance(getattr(fw, n), type)
             and issubclass(getattr(fw, n), fw.Result) and getattr(fw, n) is not fw.Result]  # fmt: skip
    assert len(types) >= 20
    for t in types:
        assert dataclasses.is_dataclass(t) and t.__dataclass_params__.frozen and "__slots__" in t.__dict__, t
        row = next((line for line in api if line.startswith(f"| `{t.__name__}` |")), None)
        assert row is not None, f"{t.__name__} has no row in docs/api.md"
        inherited = {f.name for base in t.__mro__[1:] if dataclasses.is_dataclass(base) for f in dataclasses.fields(base)}
        missing = [f.name for f in dataclasses.fields(t) if f.name not in inherited and f"`{f.name}`" not in row]
        assert missing == [], (t.__name__, missing)
