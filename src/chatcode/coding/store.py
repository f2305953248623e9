"""The coding store: a durable SQLite file for the terminal coder (``chatcode code``).

Every decision is its own transaction, committed (WAL journal, ``synchronous=FULL``) before
the screen changes, so closing the terminal, a crash or ``kill -9`` loses nothing that was
shown as decided. Opening an existing store resumes it, and refuses to mix codings: the
codebook, the coder, the pass and the selected posts must be the ones the store was made with.

The file is plain SQLite: ``meta`` (codebook, coder, pass, selection, a fingerprint of the
selected post ids), ``posts`` (the selection in coding order), ``codebook_codes``,
``decisions`` (the append-only log: ``set``, ``done``, ``undo``, each with ``coded_at`` in
UTC and the codebook hash), and ``current`` and ``done`` (the state the log leads to).
See docs/coding.md, "The terminal coder".

Coding suggestions (docs/suggestions.md) add ``suggestions`` (the proposal last shown per
post and dimension) and an ``accepted`` column in ``decisions`` and ``current`` (1 when the
coder took the proposal with the accept key). Stores made before are given them when opened
(:func:`_migrate`, additive: older chatcode versions still read the file).

Notes
-----
*Coded with no code.* A dimension is *decided* once the coder chose codes in it, or chose
"none" (an empty set). Confirming a post (:meth:`CodingStore.mark_done`, Enter in the coder)
decides every dimension left open as "no code", and the post counts as coded from then on.
Only confirmed posts appear in :func:`read_store`, each with a 0/1 row for every code of every
dimension; posts opened but not confirmed have no rows (not coded).

*Undo* takes back the most recent decision that is not yet undone (a ``set`` or a ``done``),
also after the store was closed and opened again; it is logged as an ``undo`` row.

*One writer per coder and pass.* Opening a store takes a lease in its ``writer_lease`` table
(one row per coder and pass: a random holder token, the process id and host, and a heartbeat
renewed every few seconds by a background thread and by every decision). A second window on
the same coder and pass is refused with an error naming the first, so two windows cannot
undo each other's decisions. The lease lives in the SQLite file itself: when a window ends
without closing (a crash, ``kill -9``) its lease is taken over as soon as its process is
known to be gone (same host) or its heartbeat is older than :data:`LEASE_TIMEOUT` seconds.
Reading a store (:func:`read_store`) needs no lease.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from chatcode.corpus import schema as S
from chatcode.errors import CodingError, Location, Problem, Problems

__all__ = ["CodingStore", "Undone", "is_store", "post_fingerprint", "read_store",
           "stored_order"]

KIND = "coding_store"
STORE_VERSION = "1"
SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (seq INTEGER PRIMARY KEY, post_id TEXT NOT NULL UNIQUE);
CREATE TABLE codebook_codes (
    dimension TEXT NOT NULL, code TEXT NOT NULL, dim_seq INTEGER NOT NULL,
    code_seq INTEGER NOT NULL, multiple INTEGER NOT NULL, PRIMARY KEY (dimension, code));
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL CHECK (action IN ('set', 'done', 'undo')),
    post_id TEXT NOT NULL,
    dimension TEXT,
    codes TEXT,
    previous TEXT,
    undoes INTEGER REFERENCES decisions(id),
    coded_at TEXT NOT NULL,
    codebook_hash TEXT NOT NULL);
CREATE TABLE current (
    post_id TEXT NOT NULL, dimension TEXT NOT NULL, codes TEXT NOT NULL,
    coded_at TEXT NOT NULL, PRIMARY KEY (post_id, dimension));
CREATE TABLE done (post_id TEXT PRIMARY KEY, done_at TEXT NOT NULL);
"""

#: added by coding suggestions; stores made before get them when opened (see _migrate)
_SUGGESTION_SCHEMA = """
CREATE TABLE IF NOT EXISTS suggestions (
    post_id TEXT NOT NULL, dimension TEXT NOT NULL, codes TEXT NOT NULL,
    shown_at TEXT NOT NULL, PRIMARY KEY (post_id, dimension))
"""
#: seconds after the last heartbeat when a writer's lease may be taken over
LEASE_TIMEOUT = 20.0
#: seconds between two heartbeats of an open store
LEASE_BEAT = 4.0
_LEASE_SCHEMA = """CREATE TABLE IF NOT EXISTS writer_lease (
    coder TEXT NOT NULL, pass TEXT NOT NULL, holder TEXT NOT NULL, pid INTEGER NOT NULL,
    host TEXT NOT NULL, since TEXT NOT NULL, heartbeat REAL NOT NULL,
    PRIMARY KEY (coder, pass))"""

#: meta keys that must match when a store is opened again, with their names for messages
_MUST_MATCH = (("codebook_hash", "codebook"), ("coder", "coder"), ("pass", "pass"),
               ("selection", "selection"), ("corpus_fingerprint", "selected posts"))


@dataclass(frozen=True)
class Undone:
    """What :meth:`CodingStore.undo` took back: a ``set`` (with its dimension) or a ``done``."""

    action: str
    post_id: str
    dimension: str | None = None


def post_fingerprint(post_ids: Sequence[str]) -> str:
    """A short hash of the selected post ids in coding order (sha256, first 16 hex chars)."""
    return hashlib.sha256("\n".join(post_ids).encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def is_store(path: str | Path) -> bool:
    """True when ``path`` is an SQLite file (a coding store is one; :func:`read_store` checks
    that it is a chatcode store)."""
    path = Path(path)
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise CodingError(f"cannot open the coding store ({exc})", where=Location(path),
                          hint="check that the file is a coding store and the folder is "
                          "writable") from exc
    return conn


def _read_meta(conn: sqlite3.Connection, path: Path) -> dict[str, str]:
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise CodingError("not a chatcode coding store", where=Location(path),
                          hint="give the .sqlite file written by chatcode code --store, or "
                          "use a new file name to start a store") from exc
    if meta.get("kind") != KIND:
        raise CodingError("not a chatcode coding store (an SQLite file of something else)",
                          where=Location(path),
                          hint="give the file written by chatcode code --store")
    if meta.get("store_version") != STORE_VERSION:
        raise CodingError(
            f"the store has format version {meta.get('store_version')!r}; this chatcode "
            f"reads version {STORE_VERSION}", where=Location(path),
            hint="use the chatcode version that wrote the store")
    return meta


class CodingStore:
    """A coding pass of one coder, kept decision by decision in an SQLite file.

    Make one with :meth:`open`; use it as a context manager or call :meth:`close`.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lease: _Lease | None = None
        self.meta = _read_meta(conn, path)
        self.post_ids: tuple[str, ...] = tuple(
            r[0] for r in conn.execute("SELECT post_id FROM posts ORDER BY seq"))
        self._index = {p: i for i, p in enumerate(self.post_ids)}
        self._dims: dict[str, tuple[bool, tuple[str, ...]]] = {}
        for dim, code, multiple in conn.execute(
                "SELECT dimension, code, multiple FROM codebook_codes "
                "ORDER BY dim_seq, code_seq"):
            codes = self._dims.get(dim, (bool(multiple), ()))[1]
            self._dims[dim] = (bool(multiple), (*codes, code))

    # --- opening ---------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        codebook: Any,
        coder: str,
        pass_: str = "main",
        selection: Any = None,
        post_ids: Sequence[str],
    ) -> CodingStore:
        """Create the store at ``path``, or resume it when it exists.

        ``codebook`` is a :class:`chatcode.codebook.Codebook`; ``selection`` a
        :class:`chatcode.coding.selection.Selection` (or its description; ``None`` = all
        posts); ``post_ids`` the selected posts in coding order.

        Raises :class:`CodingError` when an existing store was made with another codebook,
        coder, pass, selection or set of posts (naming each difference), or when the file
        is not a coding store.
        """
        path = Path(path)
        wanted = _wanted_meta(codebook, coder, pass_, selection, post_ids, path)
        if path.exists() and path.stat().st_size > 0 and not is_store(path):
            raise CodingError("the file exists and is not a coding store",
                              where=Location(path),
                              hint="give a new file name for the store, e.g. anna-main.sqlite")
        if not path.parent.is_dir():
            raise CodingError("the folder of the store does not exist",
                              where=Location(path.parent), hint="create it first")
        conn = _connect(path)
        new = _is_empty(conn)
        if new:
            _create(conn, wanted, codebook, post_ids)
        store = cls(conn, path)
        try:
            if not new:
                store._check_resume(wanted)
            store._lease = _Lease.take(conn, path, store.coder, store.pass_)
            _migrate(conn)  # coding suggestions' table and column, once the lease is held
        except BaseException:
            store.close()
            raise
        return store

    def _check_resume(self, wanted: dict[str, str]) -> None:
        problems = []
        for key, name in _MUST_MATCH:
            have, want = self.meta.get(key, ""), wanted[key]
            if have != want:
                problems.append(Problem(_difference(name, key, self.meta, wanted),
                                        Location(self.path)))
        if problems:
            fix = ("start a new store for these options (--store NEW.sqlite), or resume this "
                   "one with the options it was made with: "
                   f"codebook {self.meta['codebook_name']} version "
                   f"{self.meta['codebook_version']}, --coder {self.meta['coder']}, "
                   f"--pass {self.meta['pass']}, selection: {self.meta['selection']}")
            problems = [Problem(p.message, p.where, fix) for p in problems]
            raise Problems.of(CodingError, problems,
                              title=f"{self.path}: the store was made with other options"
                              if len(problems) > 1 else None)

    # --- state ------------------------------------------------------------------------
    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimension ids of the codebook, in its order."""
        return tuple(self._dims)

    @property
    def coder(self) -> str:
        return self.meta["coder"]

    @property
    def pass_(self) -> str:
        return self.meta["pass"]

    def codes(self, post_id: str) -> dict[str, tuple[str, ...]]:
        """The decided dimensions of a post and their codes (``()`` = decided, no code).

        Dimensions not decided yet are absent."""
        self._check_post(post_id)
        rows = self._conn.execute("SELECT dimension, codes FROM current WHERE post_id = ?",
                                  (post_id,)).fetchall()
        return {dim: tuple(json.loads(codes)) for dim, codes in rows}

    def is_done(self, post_id: str) -> bool:
        """True when the post was confirmed (it counts as coded)."""
        self._check_post(post_id)
        return self._conn.execute("SELECT 1 FROM done WHERE post_id = ?",
                                  (post_id,)).fetchone() is not None

    def _done_seqs(self) -> set[int]:
        return {r[0] for r in self._conn.execute(
            "SELECT p.seq FROM posts p JOIN done d ON d.post_id = p.post_id")}

    def position(self) -> int | None:
        """The index (0-based, in coding order) of the first post not yet coded; ``None``
        when every post is coded."""
        return self.next_uncoded(-1, wrap=False)

    def next_uncoded(self, after: int, *, wrap: bool = True) -> int | None:
        """The index of the first uncoded post after index ``after`` (then from the start,
        with ``wrap``); ``None`` when every post is coded."""
        done = self._done_seqs()
        n = len(self.post_ids)
        order = list(range(after + 1, n)) + (list(range(0, after + 1)) if wrap else [])
        return next((i for i in order if i + 1 not in done), None)

    def progress(self) -> tuple[int, int]:
        """``(n_done, N)``: the posts coded so far, and the posts of the selection."""
        (n_done,) = self._conn.execute("SELECT COUNT(*) FROM done").fetchone()
        return int(n_done), len(self.post_ids)

    # --- decisions --------------------------------------------------------------------
    def set_codes(self, post_id: str, dimension: str, codes: set[str] | Sequence[str], *,
                  accepted: bool = False) -> bool:
        """Decide the codes of ``post_id`` in ``dimension`` (an empty set: no code).

        ``accepted``: the coder took a coding suggestion with the accept key (recorded, so
        assisted and unassisted decisions can be told apart). Committed at once. Returns
        False when nothing changed (nothing is logged then).
        Raises :class:`CodingError` for an unknown post, dimension or code, or for several
        codes in a single-choice dimension.
        """
        self._check_post(post_id)
        chosen = self._check_codes(dimension, codes)
        now = _now()
        with self._tx() as cur:
            row = cur.execute("SELECT codes, coded_at, accepted FROM current WHERE post_id = ? "
                              "AND dimension = ?", (post_id, dimension)).fetchone()
            if row is not None and tuple(json.loads(row[0])) == chosen:
                return False
            previous = None if row is None else json.dumps(
                {"codes": json.loads(row[0]), "coded_at": row[1], "accepted": row[2]})
            flag = 1 if accepted else None
            cur.execute("INSERT INTO decisions (action, post_id, dimension, codes, previous, "
                        "coded_at, codebook_hash, accepted) VALUES ('set', ?, ?, ?, ?, ?, ?, ?)",
                        (post_id, dimension, json.dumps(chosen), previous, now,
                         self.meta["codebook_hash"], flag))
            cur.execute("INSERT OR REPLACE INTO current (post_id, dimension, codes, coded_at, "
                        "accepted) VALUES (?, ?, ?, ?, ?)",
                        (post_id, dimension, json.dumps(chosen), now, flag))
        return True

    def mark_done(self, post_id: str) -> bool:
        """Confirm a post: every dimension not decided yet is decided as "no code", and the
        post counts as coded. Committed at once; False when it was already confirmed."""
        self._check_post(post_id)
        now = _now()
        with self._tx() as cur:
            if cur.execute("SELECT 1 FROM done WHERE post_id = ?", (post_id,)).fetchone():
                return False
            decided = {r[0] for r in cur.execute(
                "SELECT dimension FROM current WHERE post_id = ?", (post_id,))}
            filled = [d for d in self._dims if d not in decided]
            cur.execute("INSERT INTO decisions (action, post_id, codes, coded_at, "
                        "codebook_hash) VALUES ('done', ?, ?, ?, ?)",
                        (post_id, json.dumps(filled), now, self.meta["codebook_hash"]))
            cur.executemany("INSERT INTO current (post_id, dimension, codes, coded_at) "
                            "VALUES (?, ?, '[]', ?)", [(post_id, d, now) for d in filled])
            cur.execute("INSERT INTO done VALUES (?, ?)", (post_id, now))
        return True

    def undo(self) -> Undone | None:
        """Take back the latest decision not yet undone; ``None`` when there is none.

        Committed at once, and logged, so an undo survives closing the store too."""
        now = _now()
        with self._tx() as cur:
            row = cur.execute(
                "SELECT id, action, post_id, dimension, codes, previous FROM decisions "
                "WHERE action IN ('set', 'done') AND id NOT IN "
                "(SELECT undoes FROM decisions WHERE undoes IS NOT NULL) "
                "ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            did, action, post_id, dimension, codes, previous = row
            if action == "set":
                _restore(cur, post_id, dimension, previous)
            else:
                cur.execute("DELETE FROM done WHERE post_id = ?", (post_id,))
                cur.executemany("DELETE FROM current WHERE post_id = ? AND dimension = ?",
                                [(post_id, d) for d in json.loads(codes)])
            cur.execute("INSERT INTO decisions (action, post_id, dimension, undoes, coded_at, "
                        "codebook_hash) VALUES ('undo', ?, ?, ?, ?, ?)",
                        (post_id, dimension, did, now, self.meta["codebook_hash"]))
        return Undone(action, post_id, dimension)

    def record_suggestion(self, post_id: str, dimension: str,
                          codes: set[str] | Sequence[str]) -> None:
        """Record the coding suggestion shown for a post's dimension (the latest one counts).

        A suggestion is never a decision: this changes no codes."""
        self._check_post(post_id)
        chosen = self._check_codes(dimension, codes)
        with self._tx() as cur:
            cur.execute("INSERT OR REPLACE INTO suggestions VALUES (?, ?, ?, ?)",
                        (post_id, dimension, json.dumps(chosen), _now()))

    # --- plumbing ---------------------------------------------------------------------
    def _check_post(self, post_id: str) -> None:
        if post_id not in self._index:
            raise CodingError(f"post {post_id!r} is not among the posts of this store",
                              where=Location(self.path),
                              hint="code only the posts of the selection the store was "
                              "made with")

    def _check_codes(self, dimension: str, codes: set[str] | Sequence[str]) -> tuple[str, ...]:
        if dimension not in self._dims:
            raise CodingError(f"unknown dimension {dimension!r}", where=Location(self.path),
                              hint=f"the codebook has {', '.join(self._dims)}")
        multiple, known = self._dims[dimension]
        unknown = sorted(set(codes) - set(known))
        if unknown:
            raise CodingError(f"unknown code(s) {', '.join(map(repr, unknown))} in dimension "
                              f"{dimension!r}", where=Location(self.path),
                              hint=f"its codes are {', '.join(known)}")
        if not multiple and len(set(codes)) > 1:
            raise CodingError(f"dimension {dimension!r} takes at most one code per post, "
                              f"got {len(set(codes))}", where=Location(self.path),
                              hint="choose one code (or none)")
        return tuple(c for c in known if c in set(codes))

    def _tx(self):
        return _Transaction(self._conn, self._lease)

    def close(self) -> None:
        """Close the file (every decision is already committed) and give up the lease."""
        if self._lease is not None:
            self._lease.release(self._conn)
            self._lease = None
        self._conn.close()

    def __enter__(self) -> CodingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Lease:
    """This window's right to write the decisions of one coder and pass (see the module
    notes): a row of ``writer_lease``, kept fresh by a heartbeat thread."""

    def __init__(self, path: Path, coder: str, pass_: str, holder: str) -> None:
        self.path, self.coder, self.pass_, self.holder = path, coder, pass_, holder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="chatcode-store-lease",
                                        daemon=True)

    @classmethod
    def take(cls, conn: sqlite3.Connection, path: Path, coder: str, pass_: str) -> _Lease:
        lease = cls(path, coder, pass_, uuid.uuid4().hex)
        now = dt.datetime.now(dt.UTC)
        conn.execute("BEGIN IMMEDIATE")  # one opener at a time decides who holds the lease
        try:
            conn.execute(_LEASE_SCHEMA)
            row = conn.execute("SELECT pid, host, since, heartbeat FROM writer_lease WHERE "
                               "coder = ? AND pass = ?", (coder, pass_)).fetchone()
            if row is not None and _alive(row[0], row[1], row[3], now.timestamp()):
                raise CodingError(
                    f"the store is open for writing in another window: coder {coder!r}, pass "
                    f"{pass_!r}, process {row[0]} on {row[1]}, since {row[2]}",
                    where=Location(path),
                    hint="code in that window, or close it first (q); if it crashed, try "
                    f"again in {LEASE_TIMEOUT:.0f} seconds. To look at the codes meanwhile, "
                    "read the store (chatcode agree/tables STORE), which needs no lock")
            conn.execute("INSERT OR REPLACE INTO writer_lease VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (coder, pass_, lease.holder, os.getpid(), socket.gethostname(),
                          now.isoformat(timespec="seconds"), now.timestamp()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        lease._thread.start()
        return lease

    def renew(self, cur: sqlite3.Cursor) -> None:
        """Inside a write transaction: renew the heartbeat, or fail when the lease was lost."""
        cur.execute("UPDATE writer_lease SET heartbeat = ? WHERE coder = ? AND pass = ? AND "
                    "holder = ?", (dt.datetime.now(dt.UTC).timestamp(), self.coder,
                                   self.pass_, self.holder))
        if cur.rowcount != 1:
            raise CodingError(
                "this window lost its lock on the store (another window took it over after "
                f"{LEASE_TIMEOUT:.0f} seconds without a heartbeat); the decision was not saved",
                where=Location(self.path), hint="quit this window and code in the other one")

    def _beat(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        except sqlite3.Error:
            return
        try:
            while not self._stop.wait(LEASE_BEAT):
                # a busy store is skipped: the next beat (or decision) renews the lease
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("UPDATE writer_lease SET heartbeat = ? WHERE coder = ? AND "
                                 "pass = ? AND holder = ?",
                                 (dt.datetime.now(dt.UTC).timestamp(), self.coder,
                                  self.pass_, self.holder))
        finally:
            conn.close()

    def release(self, conn: sqlite3.Connection) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=LEASE_BEAT + 5)
        with contextlib.suppress(sqlite3.Error):  # else the lease expires by itself
            conn.execute("DELETE FROM writer_lease WHERE coder = ? AND pass = ? AND holder = ?",
                         (self.coder, self.pass_, self.holder))


def _alive(pid: int, host: str, heartbeat: float, now: float) -> bool:
    """Whether a lease row still belongs to a running window."""
    if now - float(heartbeat) > LEASE_TIMEOUT:
        return False
    if host == socket.gethostname():
        if int(pid) == os.getpid():
            return True  # another store object of this process (e.g. a second window)
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except (PermissionError, OSError):
            return True
    return True


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error), yielding a cursor; with a
    lease, the lease is checked and renewed in the same transaction."""

    def __init__(self, conn: sqlite3.Connection, lease: _Lease | None = None) -> None:
        self.conn = conn
        self.lease = lease

    def __enter__(self) -> sqlite3.Cursor:
        self.conn.execute("BEGIN IMMEDIATE")
        cur = self.conn.cursor()
        if self.lease is not None:
            try:
                self.lease.renew(cur)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return cur

    def __exit__(self, exc_type, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _restore(cur: sqlite3.Cursor, post_id: str, dimension: str, previous: str | None) -> None:
    if previous is None:
        cur.execute("DELETE FROM current WHERE post_id = ? AND dimension = ?",
                    (post_id, dimension))
        return
    before = json.loads(previous)
    cur.execute("INSERT OR REPLACE INTO current (post_id, dimension, codes, coded_at, accepted) "
                "VALUES (?, ?, ?, ?, ?)", (post_id, dimension, json.dumps(before["codes"]),
                                           before["coded_at"], before.get("accepted")))


def _selection_text(selection: Any) -> str:
    if selection is None:
        return "all posts"
    if isinstance(selection, str):
        return selection
    return str(selection.describe())


def _wanted_meta(codebook: Any, coder: str, pass_: str, selection: Any,
                 post_ids: Sequence[str], path: Path) -> dict[str, str]:
    ids = [str(p) for p in post_ids]
    problems = []
    if not str(coder).strip():
        problems.append(Problem("no coder name given", Location(path),
                                "give the coder's name or initials (--coder NAME)"))
    if not str(pass_).strip():
        problems.append(Problem("no pass name given", Location(path),
                                "name the pass, e.g. main or pretest (--pass NAME)"))
    if not ids:
        problems.append(Problem("the selection holds no posts", Location(path),
                                "check the corpus and the selection options"))
    if len(set(ids)) != len(ids):
        problems.append(Problem("the selected post ids are not unique", Location(path),
                                "give each post once"))
    if problems:
        raise Problems.of(CodingError, problems)
    return {"codebook_name": codebook.name, "codebook_version": str(codebook.version),
            "codebook_hash": codebook.hash, "coder": str(coder).strip(),
            "pass": str(pass_).strip(), "selection": _selection_text(selection),
            "corpus_fingerprint": post_fingerprint(ids), "n_posts": str(len(ids))}


def _create(conn: sqlite3.Connection, wanted: dict[str, str], codebook: Any,
            post_ids: Sequence[str]) -> None:
    from chatcode import __version__

    meta = {"kind": KIND, "store_version": STORE_VERSION, **wanted, "created": _now(),
            "chatcode_version": __version__}
    codes = [(d.id, c.id, i, j, int(bool(d.multiple)))
             for i, d in enumerate(codebook.dimensions) for j, c in enumerate(d.codes)]
    with _Transaction(conn) as cur:  # all or nothing: a store is whole or not there
        for statement in filter(str.strip, _SCHEMA.split(";")):
            cur.execute(statement)
        cur.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        cur.executemany("INSERT INTO posts VALUES (?, ?)",
                        [(i + 1, str(p)) for i, p in enumerate(post_ids)])
        cur.executemany("INSERT INTO codebook_codes VALUES (?, ?, ?, ?, ?)", codes)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def _migrate(conn: sqlite3.Connection) -> None:
    """Give a store made before coding suggestions their table and columns (additive)."""
    missing = [t for t in ("decisions", "current") if "accepted" not in _columns(conn, t)]
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                             "'suggestions'").fetchone() is not None
    if not missing and has_table:
        return
    with _Transaction(conn) as cur:
        for table in missing:
            cur.execute(f"ALTER TABLE {table} ADD COLUMN accepted INTEGER")
        cur.execute(_SUGGESTION_SCHEMA)


def _is_empty(conn: sqlite3.Connection) -> bool:
    (n,) = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    return n == 0


def _difference(name: str, key: str, have: dict[str, str], want: dict[str, str]) -> str:
    if key == "codebook_hash":
        return (f"the store was made with codebook {have['codebook_name']} version "
                f"{have['codebook_version']} (hash {have['codebook_hash']}); this codebook is "
                f"{want['codebook_name']} version {want['codebook_version']} "
                f"(hash {want['codebook_hash']})")
    if key == "corpus_fingerprint":
        return (f"the selected posts differ from the store's ({have.get('n_posts')} posts "
                f"then, {want['n_posts']} now): the corpus or the selection changed")
    return f"the store's {name} is {have.get(key)!r}; you gave {want[key]!r}"


def _iter_rows(conn: sqlite3.Connection, meta: dict[str, str]) -> Iterator[tuple]:
    suggested = ("accepted" in _columns(conn, "current") and conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'suggestions'").fetchone() is not None)
    extra = (", c.accepted, s.codes IS NOT NULL FROM posts p" if suggested else
             ", NULL, 0 FROM posts p")
    join = (" LEFT JOIN suggestions s ON s.post_id = p.post_id AND s.dimension = k.dimension"
            if suggested else "")
    sql = ("SELECT p.post_id, k.dimension, k.code, c.codes, c.coded_at" + extra +
           " JOIN done d ON d.post_id = p.post_id CROSS JOIN codebook_codes k "
           "JOIN current c ON c.post_id = p.post_id AND c.dimension = k.dimension" + join +
           " ORDER BY p.seq, k.dim_seq, k.code_seq")
    for post_id, dim, code, codes, coded_at, accepted, shown in conn.execute(sql):
        state = (S.SUGGESTION_ACCEPTED if accepted else S.SUGGESTION_SHOWN if shown
                 else S.SUGGESTION_NONE)
        yield (post_id, meta["coder"], meta["pass"], dim, code,
               int(code in json.loads(codes)), coded_at, meta["codebook_hash"], state)


def read_store(path: str | Path) -> pd.DataFrame:
    """The codes table of a coding store (docs/schema.md).

    One row per confirmed post x code: the columns ``schema.CODES_COLUMNS`` plus
    ``coded_at`` (aware UTC datetime of the decision), ``codebook_hash`` and ``suggestion``
    (``accepted``: the coder took a coding suggestion for this dimension with the accept
    key; ``shown``: one was on screen and the coder decided otherwise; ``none``). Every code of
    every dimension has a row (``value`` 0 or 1); posts not confirmed have none.
    Safe to call while the coder is still running (it reads the committed decisions).
    """
    path = Path(path)
    if not path.is_file():
        raise CodingError("no such coding store", where=Location(path), hint="check the path")
    if not is_store(path):
        raise CodingError("not a chatcode coding store (not an SQLite file)",
                          where=Location(path),
                          hint="give the .sqlite file written by chatcode code --store")
    conn = _connect(path)
    try:
        meta = _read_meta(conn, path)
        rows = list(_iter_rows(conn, meta))
    finally:
        conn.close()
    columns = [*S.CODES_COLUMNS, S.CODED_AT, S.CODEBOOK_HASH, S.SUGGESTION]
    df = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col == S.VALUE:
            df[col] = df[col].astype("int64")
        elif col == S.CODED_AT:
            df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601").dt.as_unit("ns")
        else:
            df[col] = df[col].astype("str")
    return df


def stored_order(path: str | Path) -> tuple[str, ...] | None:
    """The post ids of an existing store in coding order; ``None`` when there is no store
    yet (used to resume a store whose order was not time order, e.g. active learning)."""
    path = Path(path)
    if not is_store(path):
        return None
    conn = _connect(path)
    try:
        _read_meta(conn, path)
        return tuple(r[0] for r in conn.execute("SELECT post_id FROM posts ORDER BY seq"))
    finally:
        conn.close()
