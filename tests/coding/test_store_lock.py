"""One writer per coder and pass: a second window on a coding store is refused by the store
itself (a lease row in the SQLite file), tested with real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcode.codebook import load_codebook
from chatcode.coding import store as store_module
from chatcode.coding.store import CodingStore, read_store
from chatcode.errors import CodingError

FIX = Path(__file__).parents[1] / "fixtures"
CODEBOOK = FIX / "tui" / "codebook.yaml"
CB = load_codebook(CODEBOOK)
HOLD = FIX / "robust" / "hold_store.py"
IDS = ["p1", "p2", "p3", "p4"]


def _env() -> dict[str, str]:
    src = str(Path(__file__).parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


@contextlib.contextmanager
def window(store: Path) -> Iterator[subprocess.Popen]:
    """Another process opening the store, talking on stdin/stdout; killed at the end."""
    with subprocess.Popen([sys.executable, str(HOLD), str(store), str(CODEBOOK)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env=_env()) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def ask(proc: subprocess.Popen, command: str) -> str:
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def test_second_process_is_refused_while_the_first_holds_the_store(tmp_path):
    path = tmp_path / "s.sqlite"
    with window(path) as first:
        assert first.stdout.readline().strip() == "ready"
        assert ask(first, "code p1") == "ok"
        with window(path) as second:
            out, _ = second.communicate(timeout=60)
        assert second.returncode == 3
        assert "open for writing in another window" in out
        assert f"process {first.pid}" in out
        # in this process too, and reading needs no lock
        with pytest.raises(CodingError, match="open for writing in another window"):
            CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS)
        assert set(read_store(path)["post_id"]) == {"p1"}
        assert ask(first, "close") == "closed"
        first.wait(timeout=30)
    # once the first window is closed, a new one may write; the confirmation stays
    with CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS) as st:
        assert st.is_done("p1")


def test_a_window_killed_with_sigkill_leaves_no_lock_behind(tmp_path):
    path = tmp_path / "s.sqlite"
    with window(path) as first:
        assert first.stdout.readline().strip() == "ready"
        assert ask(first, "code p2") == "ok"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    with window(path) as second:  # at once: the holder's process is gone
        assert second.stdout.readline().strip() == "ready"
        assert ask(second, "undo") == "ok"  # undoes the dead window's confirmation
        assert ask(second, "close") == "closed"
    with CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS) as st:
        assert not st.is_done("p2")


def test_two_windows_cannot_undo_each_other(tmp_path):
    """The case that lost work before: a confirmation in one window undone from another."""
    path = tmp_path / "s.sqlite"
    with CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS) as st:
        st.mark_done("p1")
        with window(path) as proc:
            out, _ = proc.communicate("undo\n", timeout=60)
        assert proc.returncode == 3 and out.startswith("refused:")
        assert st.is_done("p1") and st.progress() == (1, 4)


def test_a_lease_taken_over_after_its_heartbeat_stopped_refuses_the_old_window(
        tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    old = CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS)
    try:
        old._lease._stop.set()  # its heartbeat stops (a frozen window)
        old._lease._thread.join()
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE writer_lease SET heartbeat = heartbeat - ?",
                         (store_module.LEASE_TIMEOUT + 1,))
        with CodingStore.open(path, codebook=CB, coder="anna", pass_="main",
                              post_ids=IDS) as new:
            new.mark_done("p3")
            with pytest.raises(CodingError, match="lost its lock"):
                old.mark_done("p4")
            with pytest.raises(CodingError, match="lost its lock"):
                old.undo()
            assert new.is_done("p3") and not new.is_done("p4")
    finally:
        old.close()


def test_the_lease_is_kept_per_coder_and_pass(tmp_path):
    """Rows of writer_lease are keyed by (coder, pass): a lease of another coder or pass in
    the same file does not block this one."""
    path = tmp_path / "s.sqlite"
    with CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO writer_lease VALUES ('ben', 'main', 'x', ?, 'h', 's', 1e18)",
                     (os.getpid(),))
    with CodingStore.open(path, codebook=CB, coder="anna", pass_="main", post_ids=IDS) as st:
        st.mark_done("p1")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT coder, pass FROM writer_lease").fetchall()
    assert rows == [("ben", "main")]  # anna's lease was given up on close
