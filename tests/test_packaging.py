"""Packaging (#12): one version, an MIT licence file, no GPL dependency."""

from __future__ import annotations

import tomllib
from importlib.metadata import requires, version

import frontwatch
from tests.conftest import ROOT


def test_the_version_has_one_source():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert frontwatch.__version__ == version("frontwatch") == pyproject["project"]["version"]


def test_licence_and_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    deps = " ".join(requires("frontwatch") or []).lower()
    assert "unidecode" not in deps  # GPL: folding and romanisation are our own (gazetteer)
    assert (ROOT / "frontwatch" / "py.typed").exists()
