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


def _readme_commands() -> list[str]:
    """The ``frontwatch`` lines of the README's first "Use" block, joined where continued."""
    block = README.split("## Use", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines, joined = [], ""
    for raw in block.splitlines():
        line = raw.strip()
        joined = f"{joined} {line.rstrip(chr(92)).strip()}".strip() if joined else line.rstrip(chr(92)).strip()
        if line.endswith(chr(92)):
            continue
        if joined.startswith("frontwatch "):
            lines.append(joined)
        joined = ""
    return lines


def test_readme_examples_run_as_written_on_the_sample(tmp_path, monkeypatch):
    """#18: every command of the README's "Use" block runs, in a fresh folder holding only the
    bundled samples, and exits 0 (outputs redirected with ``>`` go to files there)."""
    import shlex

    from click.testing import CliRunner

    (tmp_path / "samples").symlink_to(ROOT / "samples")
    monkeypatch.chdir(tmp_path)
    commands = _readme_commands()
    assert len(commands) >= 20 and commands[0].startswith("frontwatch ingest")
    env = {"FRONTWATCH_DB": str(tmp_path / "out" / "sample.gpkg")}
    (tmp_path / "out").mkdir()
    for command in commands:
        words = shlex.split(command)
        target = None
        if ">" in words:
            target = words[words.index(">") + 1]
            words = words[: words.index(">")]
        r = CliRunner().invoke(main, words[1:], env=env)
        assert r.exit_code == 0, f"{command}\n{r.output}"
        if target:
            (tmp_path / target).write_text(r.stdout)
            assert (tmp_path / target).stat().st_size > 0
    assert (tmp_path / "week.png").stat().st_size > 10_000 and (tmp_path / "deepstate.gpkg").exists()
