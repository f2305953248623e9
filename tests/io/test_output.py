"""Writing outputs: exclusive creation under a race, clear errors for folders and places
that cannot be written, and the workbook escaping of control characters."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from chatcode._io import output
from chatcode._io.output import (
    MANIFEST,
    atomic_dir,
    atomic_file,
    check_writable,
    excel_escape,
    write_workbook,
)
from chatcode.errors import ChatcodeError

ROUNDS = 100


def _racer(kind: str, folder: str, me: int, barrier, results) -> None:
    """Write round i's output as writer ``me`` after both writers reach the barrier."""
    for i in range(ROUNDS):
        path = Path(folder) / f"out{i}{'.xlsx' if kind == 'xlsx' else ''}"
        barrier.wait()
        try:
            if kind == "xlsx":
                write_workbook(path, {"s": pd.DataFrame({"writer": [me]})})
            elif kind == "file":
                with atomic_file(path) as tmp:
                    tmp.write_text(str(me))
            else:
                with atomic_dir(path) as tmp:
                    (tmp / "who.txt").write_text(str(me))
            results.put((i, me, "ok"))
        except ChatcodeError as exc:
            results.put((i, me, str(exc)))


def _winner(kind: str, path: Path) -> int:
    if kind == "xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("s").to_python()
        return int(rows[1][0])
    if kind == "file":
        return int(path.read_text())
    return int((path / "who.txt").read_text())


@pytest.mark.parametrize("kind", ["xlsx", "file", "dir"])
def test_of_two_writers_without_force_exactly_one_wins_every_round(tmp_path, kind):
    """Two processes start writing the same new output at the same moment (a barrier),
    100 rounds: each round exactly one succeeds, the other gets the 'already exists' error,
    and the file on disk is the winner's, whole."""
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(kind, str(tmp_path), me, barrier, results))
             for me in (1, 2)]
    for p in procs:
        p.start()
    outcome: dict[int, dict[int, str]] = {}
    for _ in range(2 * ROUNDS):
        i, me, what = results.get(timeout=120)
        outcome.setdefault(i, {})[me] = what
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(outcome) == ROUNDS
    for i, by in outcome.items():
        winners = [me for me, what in by.items() if what == "ok"]
        assert len(winners) == 1, (i, by)
        (loser,) = set(by) - set(winners)
        assert "already exists and would be overwritten" in by[loser]
        path = tmp_path / f"out{i}{'.xlsx' if kind == 'xlsx' else ''}"
        assert _winner(kind, path) == winners[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_an_output_naming_an_existing_folder_is_a_clear_error(tmp_path):
    (tmp_path / "out.xlsx").mkdir()
    for force in (False, True):
        with pytest.raises(ChatcodeError, match="names an existing folder"):
            write_workbook(tmp_path / "out.xlsx", {"s": pd.DataFrame({"a": [1]})}, force=force)


def test_a_folder_output_naming_an_existing_file_is_a_clear_error(tmp_path):
    (tmp_path / "corpus").write_text("x")
    with pytest.raises(ChatcodeError, match="names an existing file"), \
            atomic_dir(tmp_path / "corpus", force=True):
        pass


def test_force_replaces_only_a_folder_chatcode_wrote(tmp_path):
    mine = tmp_path / "mine"
    with atomic_dir(mine) as tmp:
        (tmp / "a.txt").write_text("1")
    assert (mine / MANIFEST).is_file()
    with atomic_dir(mine, force=True) as tmp:
        (tmp / "a.txt").write_text("2")
    assert (mine / "a.txt").read_text() == "2"
    theirs = tmp_path / "Documents"
    theirs.mkdir()
    (theirs / "thesis.docx").write_text("years of work")
    with pytest.raises(ChatcodeError, match="not written by chatcode"), \
            atomic_dir(theirs, force=True) as tmp:
        (tmp / "a.txt").write_text("x")
    assert (theirs / "thesis.docx").read_text() == "years of work"


@pytest.mark.parametrize("where", ["missing/out.xlsx", "file.txt/out.xlsx"])
def test_an_output_in_a_missing_folder_or_under_a_file_is_a_clear_error(tmp_path, where):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ChatcodeError, match="does not exist|is a file, not a folder"):
        check_writable(tmp_path / where, force=False)


def test_an_unwritable_folder_is_a_clear_error(tmp_path, monkeypatch):
    """(Tests run as root, who may write anywhere, so the refusal is simulated.)"""
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(ChatcodeError, match="not writable"):
        check_writable(tmp_path / "out.xlsx", force=False)


def test_a_refused_write_of_the_file_system_is_a_clear_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ChatcodeError, match=r"cannot write the output \(Permission denied\)"), \
            atomic_file(tmp_path / "out.csv"):
        pass


def test_without_hard_links_the_name_is_claimed_with_o_excl(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    with atomic_file(tmp_path / "a.txt") as tmp:
        tmp.write_text("first")
    assert (tmp_path / "a.txt").read_text() == "first"
    monkeypatch.setattr(output, "check_writable", lambda *a, **k: None)  # lose the race
    with pytest.raises(ChatcodeError, match="already exists"), \
            atomic_file(tmp_path / "a.txt") as tmp:
        tmp.write_text("second")
    assert (tmp_path / "a.txt").read_text() == "first"


@pytest.mark.parametrize(("text", "stored"), [
    ("a\x0bb", "a_x000B_b"), ("cr\rlf\n", "cr_x000D_lf\n"), ("\x00\x1b", "_x0000__x001B_"),
    ("_x000B_", "_x005F_x000B_"), ("_x00", "_x00"), ("tab\tok", "tab\tok"),
])
def test_excel_escapes_as_excel_does(text, stored):
    assert excel_escape(text) == stored


def test_control_characters_in_any_workbook_cell_read_back(tmp_path):
    texts = ["Word's vertical tab\x0bhere", "bell\x07", "old Mac\rline", "_x000B_ literal",
             "=1+1"]
    frame = pd.DataFrame({"text\x0b": texts, "n": range(5)})
    write_workbook(tmp_path / "w.xlsx", {"s": frame})
    rows = CalamineWorkbook.from_path(str(tmp_path / "w.xlsx")).get_sheet_by_name(
        "s").to_python()
    assert rows[0] == ["text\x0b", "n"]
    assert [r[0] for r in rows[1:]] == texts


def test_force_replaces_a_csv_corpus_folder_through_the_cli(tmp_path):
    import contextlib
    import io
    import warnings

    from chatcode.cli import run

    corpus = Path(__file__).parents[1] / "fixtures" / "responses" / "corpus"
    for extra in ([], ["--force"]):
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert run(["ingest", str(corpus), "-o", str(tmp_path / "c"), *extra]) == 0
    assert (tmp_path / "c" / "posts.csv").is_file()
