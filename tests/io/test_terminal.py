"""Chat text never controls the terminal: escape sequences, control characters and rich
markup sent through every display path (error messages, warnings, log lines, tables, the
codebook tree, the terminal coder) are shown literally."""

from __future__ import annotations

import asyncio
import contextlib
import io
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import run_inprocess

from chatcode._io.terminal import SafeConsole, safe_markup, safe_text
from chatcode.cli import run
from chatcode.codebook import load_codebook
from chatcode.coding.store import CodingStore
from chatcode.coding.tui import CoderApp
from chatcode.corpus.corpus import Corpus, write_corpus
from chatcode.errors import ChatcodeError

TITLE = "\x1b]0;pwned\x07"  # sets the terminal title
CLEAR = "\x1b[2J"  # clears the screen
CSI8 = "\x9b2J"  # the same as a one-byte C1 control
BIDI = "\u202e"  # right-to-left override: reorders what follows
MARKUP = "[/bold]"  # closes a style that was never opened: rich raises
EMOJI = "nudge:question:"  # rich would show an emoji
EVIL = f"{TITLE}{CLEAR}{CSI8}{BIDI}{MARKUP} {EMOJI} [red]x[/red] \x07\x08\r"
FIX = Path(__file__).parents[1] / "fixtures"


def assert_shown_literally(text: str) -> None:
    for bad in ("\x1b", "\x07", "\x08", "\x9b", "\u202e", "\r"):
        assert bad not in text, repr(text)
    assert "␛]0;pwned␇" in text and "␛[2J" in text and "<U+009B>" in text
    assert "<U+202E>" in text and "[/bold]" in text and "nudge:question:" in text
    assert "[red]x[/red]" in text


def test_safe_text_shows_every_control_as_a_symbol():
    assert safe_text("a\x1bb\x00c\x7fd\r\ne\tf\n") == "a␛b␀c␡d\ne\tf\n"
    assert_shown_literally(safe_text(EVIL))
    assert safe_markup("[b]") == "\\[b]"


def test_the_safe_console_prints_strings_tables_and_captions_literally():
    from rich.table import Table

    buffer = io.StringIO()
    console = SafeConsole(file=buffer, width=300, force_terminal=True)
    table = Table(title=EVIL, caption=EVIL)
    table.add_column(EVIL)
    table.add_row(EVIL)
    console.print(EVIL)
    console.print(table)
    shown = buffer.getvalue()
    assert shown.count("␛]0;pwned␇") == 5
    assert "\x1b]0" not in shown and "\x1b[2J" not in shown and "\x07" not in shown


cli = run_inprocess  # the CLI in this process (tests/conftest.py)


def evil_corpus(tmp_path: Path) -> Path:
    posts = pd.DataFrame({
        "post_id": ["p1", "p2", f"p3{TITLE}"], "group": [f"G{EVIL}"] * 3,
        "timestamp": ["2023-05-01T08:00:00+00:00", "2023-05-01T09:00:00+00:00",
                      "2023-05-01T10:00:00+00:00"],
        "author": [f"anna{CLEAR}", "ben", "cleo"], "text": [EVIL, "ok", "hi"],
        "parent_id": [None, "p1", "missing" + TITLE]})
    path = tmp_path / "corpus.parquet"
    write_corpus(Corpus(posts), path)
    return path


def test_an_error_about_a_path_holding_escapes_and_markup_is_shown_literally(tmp_path):
    bad = tmp_path / f"{TITLE}[bold]{EMOJI}.csv"  # ([/bold] cannot be in a file name)
    bad.write_text("post_id,text\n1,a\n")
    code, out, err = cli("ingest", bad, "-o", tmp_path / "c.xlsx")
    assert code == 1 and out == ""
    assert "error: " in err and "Traceback" not in err
    assert "␛]0;pwned␇[bold]nudge:question:.csv" in err


def test_chatcodes_own_hints_keep_their_brackets():
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        from chatcode.cli._app import print_error

        print_error(ChatcodeError("bad roles", hint="write 'moderator: [name1, name2]'"))
    assert "'moderator: [name1, name2]'" in stderr.getvalue()


def test_tables_logs_and_warnings_show_chat_text_literally(tmp_path):
    corpus = evil_corpus(tmp_path)
    code, out, err = cli("responses", corpus)
    assert code == 0, err
    assert "␛" in out and "\x1b" not in out and "\x1b" not in err  # (cells wrap)
    code, out, err = cli("latency", corpus, "--by", "group")
    assert code == 0, err
    assert "\x1b" not in out + err and "␛" in out
    code, out, err = cli("ingest", corpus, "-o", tmp_path / "again.xlsx")
    assert code == 0, err
    assert "\x1b" not in err and "Traceback" not in err


def test_a_document_on_a_terminal_is_made_safe_and_into_a_pipe_is_exact(tmp_path,
                                                                       monkeypatch):
    corpus = evil_corpus(tmp_path)
    code, out, _ = cli("responses", corpus, "--format", "csv")
    assert code == 0 and TITLE in out  # a pipe gets the data as it is
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    with contextlib.redirect_stdout(tty), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(["responses", str(corpus), "--format", "csv"]) == 0
    assert "\x1b" not in tty.getvalue() and "␛]0;pwned␇" in tty.getvalue()


def test_the_codebook_tree_shows_labels_literally(tmp_path):
    """(A codebook refuses control characters when it is loaded; markup, emoji codes and
    bidi controls are shown literally.)"""
    book = yaml.safe_load((FIX / "tui" / "codebook.yaml").read_text(encoding="utf-8"))
    book["name"] = f"evil {MARKUP}"
    dim = book["dimensions"][0]
    dim["label"] = f"{MARKUP} {EMOJI} [red]x[/red]"
    dim["codes"][0]["definition"] = f"{BIDI}{MARKUP} {EMOJI}"
    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    code, out, err = cli("codebook", "show", path)
    assert code == 0, err
    assert f"evil {MARKUP}" in out and f"{MARKUP} {EMOJI} [red]x[/red]" in out
    assert f"<U+202E>{MARKUP} {EMOJI}" in out and BIDI not in out


def test_the_terminal_coder_shows_chat_text_literally(tmp_path):
    cb = load_codebook(FIX / "tui" / "codebook.yaml")
    posts = pd.read_parquet(evil_corpus(tmp_path) / "posts.parquet")
    corpus = Corpus(posts).posts
    store = CodingStore.open(tmp_path / "s.sqlite", codebook=cb, coder=f"anna{TITLE}",
                             post_ids=corpus["post_id"].tolist())
    app = CoderApp(store, cb, corpus)
    app.message = EVIL

    async def main() -> dict[str, str]:
        async with app.run_test(size=(160, 50)) as pilot:
            shown = {n: str(app.query_one(f"#{n}").content)
                     for n in ("status", "context", "post", "message")}
            await pilot.press("right")  # p2: its thread context holds p1
            shown["context2"] = str(app.query_one("#context").content)
            await pilot.press("right")  # p3: replies to a missing parent named by its id
            shown["context3"] = str(app.query_one("#context").content)
            shown["status3"] = str(app.query_one("#status").content)
            return shown

    try:
        shown = asyncio.run(asyncio.wait_for(main(), timeout=120))
    finally:
        store.close()
    assert_shown_literally(shown["post"].replace("\n", " "))
    assert_shown_literally(shown["message"])
    assert_shown_literally(shown["context2"].replace("\n", " "))
    assert "anna␛[2J" in shown["post"]
    for name in ("status", "context3", "status3"):
        assert "\x1b" not in shown[name] and "\x07" not in shown[name]
    assert "␛]0;pwned␇" in shown["context3"] and "␛]0;pwned␇" in shown["status"]


@pytest.mark.parametrize("text", [TITLE, CLEAR, MARKUP, EMOJI, BIDI])
def test_a_warning_holding_escapes_is_shown_literally(text):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        from chatcode.cli._app import _show_warning
        from chatcode.errors import ChatcodeWarning

        _show_warning(ChatcodeWarning(f"group {text}"), ChatcodeWarning, "f", 1)
    assert stderr.getvalue() == f"warning: group {safe_text(text)}\n"
