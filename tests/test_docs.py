"""Docs kept honest: every CLI command is shown in the README, every source in its table."""

from frontwatch.cli import main
from frontwatch.sources import ADAPTERS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    missing = [name for name in main.commands if f"frontwatch {name}" not in README]
    assert missing == []


def test_every_source_is_in_the_readme():
    assert [name for name in ADAPTERS if f"`{name}`" not in README] == []


def test_readme_opens_with_the_two_commands():
    block = README.split("```")[1]
    assert "make demo" in block and "make test" in block
