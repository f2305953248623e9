"""Every command has help with an example and is described in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from chatcode.cli import app

ROOT = Path(__file__).parent.parent


def _commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        if getattr(cmd, "hidden", False):
            continue
        path = (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
        else:
            yield path


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_there_are_commands():
    assert ("ingest",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "example" in result.output.lower(), f"chatcode {' '.join(path)} --help has no example"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"chatcode {' '.join(path)}" in readme


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = 'pip install -q -e ".[test]" && python -m pytest -q'
    assert test_cmd.replace("-q -e", "-e") in readme
    assert test_cmd in ci
