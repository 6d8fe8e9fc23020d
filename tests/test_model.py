"""The data contract (``frontwatch.store.model``): a module of its own that the rest of the
package depends on and that depends on none of it (#12)."""

from __future__ import annotations

import ast
import datetime as dt
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

import frontwatch.snapshot
import frontwatch.store
import frontwatch.store.model as model
from frontwatch._gpkg import from_gpkg, to_gpkg

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "frontwatch" / "store" / "model.py"


def test_model_imports_no_other_frontwatch_module():
    # A fresh interpreter runs the module's file alone (not as ``frontwatch.store.model``,
    # which would first run the packages' __init__ files): afterwards no module of
    # frontwatch is loaded, and a relative import would have failed (no parent package).
    code = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('contract_alone', {str(MODEL)!r})\n"
        "mod = importlib.util.module_from_spec(spec)\n"
        "sys.modules['contract_alone'] = mod\n"
        "spec.loader.exec_module(mod)\n"
        "print(json.dumps([sorted(m for m in sys.modules if m == 'frontwatch' or m.startswith('frontwatch.')),\n"
        "                  sorted(n for n in vars(mod) if n.isupper() or n[:1].isupper())]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded, names = json.loads(out.stdout)
    assert loaded == []
    assert {"RawSnapshot", "ValidSnapshot", "SnapshotRecord", "Flag", "OCCUPIED", "CONTESTED", "AUTO_FLAGS"} <= set(names)


def test_model_source_has_no_import_of_the_package():
    # the same rule read from the source: no relative import, no `import frontwatch...`
    tree = ast.parse(MODEL.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("frontwatch")):
            bad.append(ast.unparse(node))
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "frontwatch" for a in node.names):
            bad.append(ast.unparse(node))
    assert bad == []


def test_store_and_adapters_take_the_contract_from_the_model_not_from_validation():
    # the store, its backends and every adapter import the contract from store/model.py;
    # none of them imports the validation module
    store = ROOT / "frontwatch" / "store"
    files = [store / "__init__.py", store / "sqlite.py", store / "postgis.py",
             *sorted((ROOT / "frontwatch" / "sources").glob("*.py"))]  # fmt: skip
    users = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "snapshot":
                users.append(f"{path.name}: {ast.unparse(node)}")
    assert users == []
    # ...and the names the old module gave are the model's own objects (one contract)
    for name in ("RawSnapshot", "ValidSnapshot", "OCCUPIED", "CONTESTED", "layer_keys"):
        assert getattr(frontwatch.snapshot, name) is getattr(model, name)
    assert frontwatch.store.SnapshotRecord is model.SnapshotRecord


def _valid(encoder=to_gpkg) -> model.ValidSnapshot:
    square = shapely.MultiPolygon([shapely.box(37.0, 48.0, 37.1, 48.1)])
    raw = model.RawSnapshot(source="t", valid_time=dt.datetime(2024, 5, 1, 23, 59, 59, tzinfo=dt.UTC),
                            layers={model.OCCUPIED: [square]}, file="t.geojson")  # fmt: skip
    empty = shapely.MultiPolygon()
    return model.ValidSnapshot(raw=raw, layers={model.OCCUPIED: square, model.CONTESTED: empty},
                               areas_km2={model.OCCUPIED: 1.0, model.CONTESTED: 0.0}, coverage={}, warnings=[],
                               clip_outline="geoboundaries", geom_hash="h", encoder=encoder)  # fmt: skip


def test_valid_snapshot_encodes_with_the_validations_encoder_and_travels_to_a_worker():
    snap = _valid()
    assert snap.raw.valid_date == "2024-05-01"
    geom = snap.occupied
    blobs = snap.blobs()
    assert set(blobs) == {model.OCCUPIED}  # an empty layer other than occupied is left out
    assert from_gpkg(blobs[model.OCCUPIED]).equals(geom)
    back = pickle.loads(pickle.dumps(snap.encode()))  # what a worker sends back: blobs alone
    assert back.layers == {} and back.raw.layers == {} and back.blobs() == blobs


def test_valid_snapshot_without_encoder_says_which_file():
    with pytest.raises(ValueError, match=r"^t\.geojson: a snapshot not encoded and without an encoder$"):
        _valid(encoder=None).blobs()


def test_layer_keys_hash_each_layers_digests_in_order():
    import hashlib

    keys = model.layer_keys({"occupied": [b"a", b"b"], "gains": []})
    assert keys == {"occupied": hashlib.sha256(b"ab").digest(), "gains": hashlib.sha256(b"").digest()}
    assert model.layer_keys({"occupied": [b"a", None]}) is None
