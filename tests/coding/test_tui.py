"""The terminal coder: the Textual app driven headless with its pilot, and ``chatcode code``
run for real in a pseudo-terminal (coding, kill -9, resume)."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chatcode.codebook import load_codebook
from chatcode.coding.store import CodingStore, read_store
from chatcode.coding.tui import CoderApp, thread_context
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import read_corpus

FIX = Path(__file__).parents[1] / "fixtures" / "tui"
CB = load_codebook(FIX / "codebook.yaml")
POSTS = read_corpus(FIX / "corpus").posts
IDS = POSTS[S.POST_ID].tolist()           # p1 ... p8, in time order
PANELS = ("status", "context", "post", "dims", "definitions", "message")


def open_store(tmp_path: Path, **kw) -> CodingStore:
    return CodingStore.open(tmp_path / "s.sqlite", codebook=CB, coder="anna",
                            post_ids=kw.pop("post_ids", IDS), **kw)


def drive(store: CodingStore, *keys: str, start: int | None = None) -> dict:
    """Run the app headless, press ``keys``, and return what the screen showed at the end
    (the text of each panel) with the app's post index and focused dimension."""
    app = CoderApp(store, CB, POSTS, start=start)

    async def main() -> dict:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*keys)
            shown = {name: str(app.query_one(f"#{name}").content) for name in PANELS}
            return shown | {"index": app.index, "dim": app.dim}

    return asyncio.run(asyncio.wait_for(main(), timeout=120))


def codes_of(path: Path) -> dict[str, dict[str, set[str]]]:
    """{post: {dimension: codes with value 1}} from read_store."""
    out: dict[str, dict[str, set[str]]] = {}
    for row in read_store(path).itertuples(index=False):
        dims = out.setdefault(getattr(row, S.POST_ID), {})
        codes = dims.setdefault(getattr(row, S.DIMENSION), set())
        if getattr(row, S.VALUE) == 1:
            codes.add(getattr(row, S.CODE))
    return out


def none(**dims: set[str]) -> dict[str, set[str]]:
    return {"support": set(), "topic": set(), "nudge": set()} | dims


def test_a_whole_pass_stores_exactly_the_codes_pressed(tmp_path):
    store = open_store(tmp_path)
    keys = [
        "tab", "tab", "1", "enter",                     # p1: nudge question
        "1", "tab", "1", "enter",                       # p2: informational; food
        "0", "tab", "2", "enter",                       # p3: support none; insulin
        "1", "2", "tab", "2", "enter",                  # p4: informational+emotional; insulin
        "tab", "3", "tab", "1", "enter",                # p5: sport; question
        "shift+tab", "2", "shift+tab", "3", "enter",    # p6: tip; sport
        "enter",                                        # p7: nothing
        "down", "space", "n",                           # p8: emotional (cursor), confirm
    ]
    shown = drive(store, *keys)
    store.close()
    assert codes_of(tmp_path / "s.sqlite") == {
        "p1": none(nudge={"question"}),
        "p2": none(support={"informational"}, topic={"food"}),
        "p3": none(topic={"insulin"}),
        "p4": none(support={"informational", "emotional"}, topic={"insulin"}),
        "p5": none(topic={"sport"}, nudge={"question"}),
        "p6": none(topic={"sport"}, nudge={"tip"}),
        "p7": none(),
        "p8": none(support={"emotional"}),
    }
    assert "8 of 8 coded" in shown["status"]
    assert shown["message"] == "all 8 posts are coded; press q to quit (everything is saved)"


def test_single_choice_replaces_and_the_same_key_clears(tmp_path):
    with open_store(tmp_path) as store:
        drive(store, "tab", "1", "2")
        assert store.codes("p1") == {"topic": ("insulin",)}
        drive(store, "tab", "2")
        assert store.codes("p1") == {"topic": ()}      # decided: no code
        assert not store.is_done("p1")


def test_a_key_with_no_code_in_the_dimension_changes_nothing(tmp_path):
    with open_store(tmp_path) as store:
        shown = drive(store, "9")
        assert shown["message"] == "Type of peer support has 3 codes; key '9' is not used"
        assert store.codes("p1") == {}


def test_undo_goes_back_to_the_post_and_survives_a_restart(tmp_path):
    with open_store(tmp_path) as store:
        shown = drive(store, "1", "tab", "2", "enter", "u")
        assert shown["index"] == 0 and shown["message"] == "undone: confirmation of post p1"
        assert not store.is_done("p1")
        shown = drive(store, "u")                         # a new session undoes further
        assert shown["message"] == "undone: codes of Topic of post p1"
        assert shown["dim"] == 1                          # focus on the dimension undone
        assert store.codes("p1") == {"support": ("informational",)}
    with open_store(tmp_path) as store:
        assert store.codes("p1") == {"support": ("informational",)}
        assert store.progress() == (0, 8)
        shown = drive(store, "u", "u")
        assert store.codes("p1") == {} and shown["message"] == "nothing to undo"


def test_going_back_shows_and_changes_earlier_posts(tmp_path):
    with open_store(tmp_path) as store:
        shown = drive(store, "1", "enter", "2", "enter", "left")
        assert shown["index"] == 1 and "[x] 2 Emotional support" in shown["dims"]
        assert "this post: coded" in shown["status"]
        shown = drive(store, "b", "3", start=1)            # back to p1, add esteem
        assert shown["index"] == 0
        assert store.codes("p1")["support"] == ("informational", "esteem")
        assert store.is_done("p1")                         # still coded
        shown = drive(store, "right", "right", "1", "right", "p", start=0)
        assert shown["index"] == 2                         # p3, skipped without confirming
        assert "this post: not confirmed yet" in shown["status"]
        assert not store.is_done("p3") and store.codes("p3") == {"support": ("informational",)}
        assert drive(store, "left", start=0)["message"] == "this is the first post"
    assert set(codes_of(tmp_path / "s.sqlite")) == {"p1", "p2"}


def test_jump_to_the_next_uncoded_and_resume_position(tmp_path):
    with open_store(tmp_path) as store:
        for pid in ("p1", "p2", "p3"):
            store.mark_done(pid)
        shown = drive(store)                               # resumes at the first uncoded
        assert shown["index"] == 3 and "post 4 of 8  |  3 of 8 coded" in shown["status"]
        store.mark_done("p5")
        shown = drive(store, "j")                          # from p4: p5 is coded, so p6
        assert shown["index"] == 5
        shown = drive(store, "j", start=7)                 # from p8: wraps to p4
        assert shown["index"] == 3
        for pid in ("p4", "p6", "p7"):
            store.mark_done(pid)
        shown = drive(store, "enter", start=7)             # confirm the last: all coded
        assert shown["message"].startswith("all 8 posts are coded")
        assert drive(store, "j")["message"] == "every post is coded"


def test_confirming_the_last_post_goes_back_to_an_uncoded_one(tmp_path):
    with open_store(tmp_path) as store:
        shown = drive(store, "right", *["enter"] * 7)
        assert shown["index"] == 0
        assert shown["message"] == ("last post of the selection; back to post 1, the first "
                                    "not coded yet")


def test_screen_shows_thread_context_definitions_and_progress(tmp_path):
    with open_store(tmp_path) as store:
        shown = drive(store, "tab", start=3)               # p4, a reply in p1's thread
    assert "post 4 of 8  |  0 of 8 coded  |  this post: not coded yet" in shown["status"]
    context = shown["context"]
    assert context.index("What did you have for breakfast") < context.index("Porridge") \
        < context.index("[bold]Toast[/bold]")              # markup in a post stays text
    assert "mod_anna (moderator)  2023-05-02 08:00 UTC  group g1  id p1" in context
    assert "overpatch" not in context and "overpatch" in shown["post"]
    defs = shown["definitions"]
    assert defs.startswith("Topic\n") and "at most one code per post" in defs
    assert "1  Food and carbs (food)\nMeals, carbohydrate counting, recipes." in defs
    assert "> Topic (one code): not decided" in shown["dims"]


def test_thread_context():
    posts = POSTS.set_index(S.POST_ID, drop=False)
    context, left_out = thread_context(posts, "p4")
    assert context.index.tolist() == ["p1", "p2", "p3"] and left_out == 0
    assert thread_context(posts, "p2")[0].index.tolist() == ["p1"]
    assert thread_context(posts, "p5")[0].empty               # a root post
    orphan = posts.copy()
    orphan.loc["p8", S.PARENT_ID] = "p99"                     # parent not in the corpus
    assert thread_context(orphan, "p8")[0].empty


# --- the command line ---------------------------------------------------------------------

def code_args(store: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "chatcode", "code", str(FIX / "corpus"), "--codebook",
            str(FIX / "codebook.yaml"), "--store", str(store), *extra]


def test_code_without_a_terminal_exits_1_and_writes_nothing(tmp_path):
    res = subprocess.run(code_args(tmp_path / "s.sqlite", "--coder", "anna"),
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1
    assert "error: the terminal coder needs an interactive terminal" in res.stderr
    assert res.stdout == "" and not (tmp_path / "s.sqlite").exists()


def test_code_bad_usage_and_help(cli, tmp_path):
    res = cli("code", FIX / "corpus", "--codebook", FIX / "codebook.yaml", "--coder", "a",
              "--store", tmp_path / "s.sqlite", "--first", "10", "--sample", "10")
    flat = " ".join(re.sub("[│╭╮╰╯─]", " ", res.stderr).split())   # unwrap rich's box
    assert res.returncode == 2 and "give either --first or --sample, not both" in flat
    res = cli("code", "--help")
    assert res.returncode == 0 and "Examples:" in res.stdout
    # long examples fold with shell continuations (`` \``) to fit 80 columns
    assert "--coder anna --store anna.sqlite" in " ".join(
        res.stdout.replace("\\\n", " ").split())


ANSI = re.compile(r"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])")


_RUNNING: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _kill_leftover_terminals():
    """A failed assertion must not leave a full-screen app running after the test."""
    yield
    while _RUNNING:
        proc = _RUNNING.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


class Terminal:
    """``chatcode code`` in a pseudo-terminal (120x40), with its output collected."""

    def __init__(self, args: list[str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True,
                                     env=dict(os.environ, TERM="xterm-256color"))
        _RUNNING.append(self.proc)
        os.close(slave)
        self.output = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output.extend(data)

    @property
    def text(self) -> str:
        return ANSI.sub("", self.output.decode("utf-8", errors="replace"))

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text:
            assert time.monotonic() < deadline, f"{text!r} not shown; got {self.text[-500:]!r}"
            time.sleep(0.05)

    def press(self, *keys: bytes) -> None:
        for key in keys:
            os.write(self.master, key)
            time.sleep(0.05)

    def wait(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        os.close(self.master)
        return code


def _query(store: Path, sql: str) -> list[tuple]:
    try:
        conn = sqlite3.connect(store)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def _wait_until(store: Path, sql: str, expected: list[tuple], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _query(store, sql) != expected:
        assert time.monotonic() < deadline, f"{sql}: {_query(store, sql)}"
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_code_in_a_terminal_killed_with_sigkill_then_resumed(tmp_path):
    """Code two posts in the real app, kill it with SIGKILL, start it again: it resumes at
    post 3, nothing is lost, and another coder on the same store is refused."""
    store = tmp_path / "anna.sqlite"
    term = Terminal(code_args(store, "--coder", "anna"))
    term.wait_for("post 1 of 8")
    term.press(b"1", b"\t", b"2", b"\r", b"\t", b"\t", b"2", b"\r", b"3")
    _wait_until(store, "SELECT post_id FROM done ORDER BY post_id", [("p1",), ("p2",)])
    _wait_until(store, "SELECT codes FROM current WHERE post_id = 'p3'", [('["esteem"]',)])
    term.wait_for("post 3 of 8")
    term.proc.kill()                                     # SIGKILL, mid-pass
    assert term.wait() == -9
    assert codes_of(store) == {"p1": none(support={"informational"}, topic={"insulin"}),
                               "p2": none(nudge={"tip"})}
    with CodingStore.open(store, codebook=CB, coder="anna", post_ids=IDS) as st:
        assert st.codes("p3") == {"support": ("esteem",)}   # decided, not confirmed: kept

    term = Terminal(code_args(store, "--coder", "anna"))
    term.wait_for("resuming at post 3 of 8 (2 coded)")
    term.wait_for("post 3 of 8")
    term.press(b"q")
    assert term.wait() == 0
    assert "2 of 8 posts coded; every decision is saved in" in term.text

    term = Terminal(code_args(store, "--coder", "ben"))
    assert term.wait() == 1
    assert "the store's coder is 'anna'; you gave 'ben'" in term.text
    assert set(codes_of(store)) == {"p1", "p2"}
