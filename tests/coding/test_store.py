"""The coding store: decisions, undo, resume checks, read_store, and durability under kill -9."""

from __future__ import annotations

import importlib.util
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from chatcode.codebook import load_codebook
from chatcode.coding.selection import Selection
from chatcode.coding.store import CodingStore, Undone, is_store, read_store
from chatcode.corpus import schema as S
from chatcode.errors import CodingError

FIX = Path(__file__).parents[1] / "fixtures" / "tui"
CB = load_codebook(FIX / "codebook.yaml")
CB2 = load_codebook(FIX / "codebook_v2.yaml")
IDS = ["p1", "p2", "p3", "p4"]
KILL_SCRIPT = FIX / "code_until_killed.py"


def _script():
    spec = importlib.util.spec_from_file_location("code_until_killed", KILL_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def new_store(tmp_path: Path, **kw) -> CodingStore:
    options = {"codebook": CB, "coder": "anna", "pass_": "main", "post_ids": IDS} | kw
    return CodingStore.open(tmp_path / "s.sqlite", **options)


def coded(df: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """{(post, dimension): codes with value 1} from a codes table."""
    out: dict[tuple[str, str], set[str]] = {}
    for row in df.itertuples(index=False):
        key = (getattr(row, S.POST_ID), getattr(row, S.DIMENSION))
        out.setdefault(key, set())
        if getattr(row, S.VALUE) == 1:
            out[key].add(getattr(row, S.CODE))
    return out


def test_read_store_is_complete_for_confirmed_posts_only(tmp_path):
    with new_store(tmp_path) as st:
        st.set_codes("p1", "support", {"informational", "esteem"})
        st.set_codes("p1", "topic", {"sport"})
        st.mark_done("p1")
        st.mark_done("p2")                       # confirmed with no code at all
        st.set_codes("p3", "support", {"emotional"})   # opened, not confirmed
    df = read_store(tmp_path / "s.sqlite")
    assert list(df.columns) == [*S.CODES_COLUMNS, S.CODED_AT, S.CODEBOOK_HASH,
                                S.SUGGESTION]
    # 8 codes in the codebook (3 + 3 + 2), for each of the 2 confirmed posts
    assert len(df) == 2 * 8
    assert df[S.POST_ID].unique().tolist() == ["p1", "p2"]
    assert set(df[S.CODER]) == {"anna"} and set(df[S.PASS]) == {"main"}
    assert set(df[S.CODEBOOK_HASH]) == {CB.hash}
    assert str(df[S.CODED_AT].dt.tz) == "UTC" and df[S.CODED_AT].notna().all()
    assert df[S.VALUE].dtype == "int64" and set(df[S.VALUE]) == {0, 1}
    assert coded(df) == {
        ("p1", "support"): {"informational", "esteem"}, ("p1", "topic"): {"sport"},
        ("p1", "nudge"): set(), ("p2", "support"): set(), ("p2", "topic"): set(),
        ("p2", "nudge"): set()}
    # the rows follow the codebook's order of dimensions and codes
    assert df.loc[df[S.POST_ID].eq("p1"), S.CODE].tolist() == [
        "informational", "emotional", "esteem", "food", "insulin", "sport", "question", "tip"]


def test_read_codes_takes_a_store_like_any_codes_source(tmp_path):
    from chatcode.coding.codes import read_codes

    with new_store(tmp_path) as st:
        st.set_codes("p2", "topic", {"insulin"})
        st.mark_done("p2")
    via_codes = read_codes(tmp_path / "s.sqlite", codebook=CB)
    assert coded(via_codes) == coded(read_store(tmp_path / "s.sqlite")) == {
        ("p2", "support"): set(), ("p2", "topic"): {"insulin"}, ("p2", "nudge"): set()}


def test_empty_store_reads_as_an_empty_codes_table(tmp_path):
    new_store(tmp_path).close()
    df = read_store(tmp_path / "s.sqlite")
    assert df.empty and list(df.columns) == [*S.CODES_COLUMNS, S.CODED_AT, S.CODEBOOK_HASH,
                                             S.SUGGESTION]


def test_position_progress_and_next_uncoded(tmp_path):
    with new_store(tmp_path) as st:
        assert st.position() == 0 and st.progress() == (0, 4)
        st.mark_done("p1")
        st.mark_done("p3")
        assert st.position() == 1 and st.progress() == (2, 4)
        assert st.next_uncoded(1) == 3          # after p2: p4
        assert st.next_uncoded(3) == 1          # after p4: wraps to p2
        assert st.next_uncoded(3, wrap=False) is None
        st.mark_done("p2")
        st.mark_done("p4")
        assert st.position() is None and st.progress() == (4, 4)
        assert st.mark_done("p4") is False      # already confirmed: nothing logged


def test_decisions_are_validated(tmp_path):
    with new_store(tmp_path) as st:
        with pytest.raises(CodingError, match=re.escape(
                "dimension 'topic' takes at most one code per post, got 2")):
            st.set_codes("p1", "topic", {"food", "sport"})
        with pytest.raises(CodingError, match=re.escape(
                "unknown code(s) 'cooking' in dimension 'topic'; its codes are food, "
                "insulin, sport")):
            st.set_codes("p1", "topic", {"cooking"})
        with pytest.raises(CodingError, match=re.escape("unknown dimension 'mood'")):
            st.set_codes("p1", "mood", set())
        with pytest.raises(CodingError, match=re.escape(
                "post 'p9' is not among the posts of this store")):
            st.mark_done("p9")
        assert st.codes("p1") == {}


def test_set_codes_without_change_is_not_logged(tmp_path):
    with new_store(tmp_path) as st:
        assert st.set_codes("p1", "support", ["emotional", "informational"]) is True
        assert st.set_codes("p1", "support", {"informational", "emotional"}) is False
        assert st.codes("p1") == {"support": ("informational", "emotional")}
    log = _log(tmp_path / "s.sqlite")
    assert [r[0] for r in log] == ["set"]


def _log(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT action, post_id, dimension, codes, undoes FROM decisions "
                            "ORDER BY id").fetchall()
    finally:
        conn.close()


def test_undo_takes_back_decisions_in_reverse_order(tmp_path):
    with new_store(tmp_path) as st:
        st.set_codes("p1", "support", {"informational"})
        st.set_codes("p1", "support", {"informational", "emotional"})
        st.set_codes("p1", "topic", {"food"})
        st.mark_done("p1")
        assert st.undo() == Undone("done", "p1")
        # the confirmation is gone, and with it the "no code" it gave to nudge
        assert not st.is_done("p1")
        assert st.codes("p1") == {"support": ("informational", "emotional"),
                                  "topic": ("food",)}
        assert st.undo() == Undone("set", "p1", "topic")
        assert st.codes("p1") == {"support": ("informational", "emotional")}
        assert st.undo() == Undone("set", "p1", "support")
        assert st.codes("p1") == {"support": ("informational",)}
        assert st.undo() == Undone("set", "p1", "support")
        assert st.codes("p1") == {}
        assert st.undo() is None


def test_undo_is_durable_and_works_across_sessions(tmp_path):
    with new_store(tmp_path) as st:
        st.set_codes("p1", "support", {"esteem"})
        st.mark_done("p1")
        st.set_codes("p2", "topic", {"insulin"})
        st.mark_done("p2")
        st.undo()                                 # p2's confirmation
    with new_store(tmp_path) as st:                # a new session
        assert st.progress() == (1, 4) and not st.is_done("p2")
        assert st.undo() == Undone("set", "p2", "topic")   # continues where it stopped
        assert st.codes("p2") == {}
    assert coded(read_store(tmp_path / "s.sqlite")) == {
        ("p1", "support"): {"esteem"}, ("p1", "topic"): set(), ("p1", "nudge"): set()}
    # the log is append-only: every decision and every undo is a row of its own
    assert [(a, p, u is not None) for a, p, _, _, u in _log(tmp_path / "s.sqlite")] == [
        ("set", "p1", False), ("done", "p1", False), ("set", "p2", False),
        ("done", "p2", False), ("undo", "p2", True), ("undo", "p2", True)]


def test_changing_a_confirmed_post_keeps_it_coded(tmp_path):
    with new_store(tmp_path) as st:
        st.mark_done("p1")
        st.set_codes("p1", "nudge", {"tip"})
        assert st.is_done("p1")
        assert coded(read_store(st.path))[("p1", "nudge")] == {"tip"}
        st.undo()
        assert coded(read_store(st.path))[("p1", "nudge")] == set()


def test_the_file_uses_wal_and_full_sync(tmp_path):
    with new_store(tmp_path) as st:
        assert st._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_resume_keeps_the_meta_and_checks_it(tmp_path):
    sel = Selection("first", pct=50, group="g1")
    new_store(tmp_path, selection=sel).close()
    with new_store(tmp_path, selection=Selection("first", pct=50, group="g1")) as st:
        assert st.meta["selection"] == "first 50% of group g1"
        assert st.meta["codebook_hash"] == CB.hash
        assert st.meta["corpus_fingerprint"] and st.meta["n_posts"] == "4"


@pytest.mark.parametrize(("change", "message"), [
    ({"codebook": CB2}, f"the store was made with codebook tui_test version 1 (hash {CB.hash})"
                        f"; this codebook is tui_test version 2 (hash {CB2.hash})"),
    ({"coder": "ben"}, "the store's coder is 'anna'; you gave 'ben'"),
    ({"pass_": "pretest"}, "the store's pass is 'main'; you gave 'pretest'"),
    ({"selection": Selection("sample", pct=50, seed=3)},
     "the store's selection is 'all posts'; you gave '50% random sample (seed 3)'"),
    ({"post_ids": ["p1", "p2", "p3"]},
     "the selected posts differ from the store's (4 posts then, 3 now)"),
])
def test_resume_with_other_options_is_refused(tmp_path, change, message):
    with new_store(tmp_path) as st:
        st.mark_done("p1")
    with pytest.raises(CodingError, match=re.escape(message)) as info:
        new_store(tmp_path, **change)
    assert "start a new store for these options (--store NEW.sqlite)" in str(info.value)
    with new_store(tmp_path) as st:                # the store is untouched
        assert st.progress() == (1, 4)


def test_every_difference_is_named_at_once(tmp_path):
    new_store(tmp_path).close()
    with pytest.raises(CodingError, match=re.escape(
            "s.sqlite: the store was made with other options:")) as info:
        new_store(tmp_path, codebook=CB2, coder="ben")
    assert "codebook tui_test version 1" in str(info.value)
    assert "coder is 'anna'" in str(info.value)


def test_bad_inputs_and_files(tmp_path):
    with pytest.raises(CodingError, match=re.escape("no coder name given")):
        new_store(tmp_path, coder=" ")
    with pytest.raises(CodingError, match=re.escape("the selection holds no posts")):
        new_store(tmp_path, post_ids=[])
    text = tmp_path / "notes.sqlite"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(CodingError, match=re.escape("the file exists and is not a coding store")):
        CodingStore.open(text, codebook=CB, coder="anna", post_ids=IDS)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.commit()
    conn.close()
    assert is_store(other) and not is_store(text)
    with pytest.raises(CodingError, match=re.escape("not a chatcode coding store")):
        read_store(other)
    with pytest.raises(CodingError, match=re.escape("not a chatcode coding store (not an SQLite")):
        read_store(text)
    with pytest.raises(CodingError, match=re.escape("no such coding store")):
        read_store(tmp_path / "missing.sqlite")
    with pytest.raises(CodingError, match=re.escape("the folder of the store does not exist")):
        CodingStore.open(tmp_path / "no" / "s.sqlite", codebook=CB, coder="a", post_ids=IDS)


# --- durability: a real SIGKILL -------------------------------------------------------------

def _expected(module, n_done: int, n: int) -> dict[tuple[str, str], set[str]]:
    out = {}
    for i in range(n_done):
        pid = module.post_ids(n)[i]
        plan = module.planned_codes(i)
        for dim in ("support", "topic", "nudge"):
            out[(pid, dim)] = plan.get(dim, set())
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_after_k_posts_loses_nothing_and_resumes(tmp_path):
    """The coder process kills itself with SIGKILL right after its 5th and then its 7th
    confirmed post; every confirmed post is in the store and coding resumes after it."""
    module, store, n = _script(), tmp_path / "k.sqlite", 40
    run = [sys.executable, str(KILL_SCRIPT), str(store), str(FIX / "codebook.yaml"), str(n)]
    first = subprocess.run([*run, "5"], capture_output=True, text=True, timeout=120)
    assert first.returncode == -signal.SIGKILL
    assert first.stdout.split().count("done") == 5
    with CodingStore.open(store, codebook=CB, coder="anna", post_ids=module.post_ids(n)) as st:
        assert st.progress() == (5, n) and st.position() == 5
    assert coded(read_store(store)) == _expected(module, 5, n)
    second = subprocess.run([*run, "7"], capture_output=True, text=True, timeout=120)
    assert second.returncode == -signal.SIGKILL
    assert "done q0005" in second.stdout          # it resumed at the first uncoded post
    assert coded(read_store(store)) == _expected(module, 12, n)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_at_a_random_moment_mid_pass_loses_nothing(tmp_path):
    """The test kills a coder that is busy writing decisions: every post it reported as
    confirmed before it died is in the store with its codes; at most one more post (committed,
    not yet reported) may be there; position() is the first post not confirmed."""
    module, store, n = _script(), tmp_path / "busy.sqlite", 20000
    proc = subprocess.Popen([sys.executable, str(KILL_SCRIPT), str(store),
                             str(FIX / "codebook.yaml"), str(n)],
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    reported = []
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        if line.startswith("done"):
            reported.append(line.split()[1])
        if len(reported) >= 30 or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=60)
    reported += [w.split()[1] for w in rest.splitlines() if w.startswith("done")]
    assert proc.returncode == -signal.SIGKILL
    assert len(reported) >= 30 and "finished" not in rest
    with CodingStore.open(store, codebook=CB, coder="anna", post_ids=module.post_ids(n)) as st:
        n_done, _ = st.progress()
        assert n_done in (len(reported), len(reported) + 1)
        assert st.position() == n_done
        assert all(st.is_done(p) for p in reported)
    assert coded(read_store(store)) == _expected(module, n_done, n)
