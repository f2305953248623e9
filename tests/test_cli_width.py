"""The command line reads well in an 80-column terminal: every ``--help`` fits, names real
metavars (no ``<bool>``, ``<list[Path]>``, ``{codes}``), and the human tables of ``agree``,
``tables`` and ``check-published`` fold to the terminal's width with no Python reprs."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from chatcode.cli import app

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def _commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
        elif not getattr(cmd, "hidden", False):
            yield path


COMMANDS = list(_commands(typer.main.get_command(app)))


def _run(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    from chatcode.cli._app import run

    monkeypatch.setenv("COLUMNS", "80")
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > 80]


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_fits_80_columns_with_real_metavars(path, capsys, monkeypatch):
    code, out, _ = _run(capsys, monkeypatch, *path, "--help")
    assert code == 0
    assert not _too_wide(out), _too_wide(out)
    for bad in ("<bool>", "<list", "<str>", "<file>", "<int", "{", "\\["):
        assert bad not in out, f"chatcode {' '.join(path)} --help shows {bad!r}"
    assert out.startswith(f"Usage: chatcode {' '.join(path)} ")
    assert len(out.splitlines()) <= 80


def test_ingest_help_names_the_formats_in_one_option(capsys, monkeypatch):
    _, out, _ = _run(capsys, monkeypatch, "ingest", "--help")
    assert "-f, --format NAME" in out and "docs/ingest.md#formats" in out
    assert "DiscordChatExporter" not in out  # the table of formats is in the docs
    doc = (ROOT / "docs" / "ingest.md").read_text(encoding="utf-8")
    from chatcode.ingest import FORMATS

    for name in FORMATS:
        assert f"| `{name}` |" in doc


def _subprocess(cli, monkeypatch, *args) -> tuple[int, str, str]:
    """As a user runs it, in a terminal of 80 columns (rich reads COLUMNS at start)."""
    monkeypatch.setenv("COLUMNS", "80")
    res = cli(*args)
    return res.returncode, res.stdout, res.stderr


def test_agree_table_fits_80_columns(cli, monkeypatch):
    agreement = FIXTURES / "agreement"
    code, out, _ = _subprocess(cli, monkeypatch, "agree", agreement / "codes_anna.csv",
                        agreement / "codes_ben.csv", "--codebook",
                        agreement / "codebook.yaml")
    assert code == 0 and "kappa" in out
    assert not _too_wide(out), _too_wide(out)


def test_tables_fit_80_columns(cli, monkeypatch):
    here = FIXTURES / "tables"
    code, out, _ = _subprocess(cli, monkeypatch, "tables", here / "corpus", here / "codes.csv",
                        "--codebook", here / "codebook.yaml", "-t", "7,9")
    assert code == 0 and "Responses to nudging approaches" in out
    assert not _too_wide(out), _too_wide(out)


def test_check_published_prints_stars_not_reprs(cli, monkeypatch):
    published = ROOT / "data" / "samples" / "diabpeers" / "published.yaml"
    code, out, err = _subprocess(cli, monkeypatch, "check-published", published, "--n-total",
                          "2584", "--max-value", "12")
    assert code == 0, err
    assert "'***'" not in out + err and "''" not in out + err
    assert "printed *, welch t gives" in out + err
    assert not _too_wide(out), _too_wide(out)
