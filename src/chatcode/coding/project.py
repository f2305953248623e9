"""A coding project: one corpus, one codebook, the coders, their passes and coding stores.

A project is a folder (by convention ``NAME.ccproj``) written by :func:`init_project`::

    study.ccproj/
      project.sqlite    people (coders, the lead; login tokens stored hashed), assignments
                        (coder, pass, selection), memos, sessions
      corpus.parquet/   a copy of the corpus (posts and reactions)
      codebook.yaml     a copy of the codebook file
      stores/1.sqlite   one coding store per assignment (chatcode.coding.store), named by
                        the assignment's number only

The coding stores are ordinary stores of the terminal coder, so ``chatcode code`` can resume
one with the same coder, pass and selection. :func:`read_project_codes` gives the codes table
of every store (what ``read_codes`` returns for a project folder).

Notes
-----
- A login token is ``secrets.token_urlsafe(32)`` (32 random bytes); only its sha256 is
  stored. A session id is made the same way and also kept as sha256 only, so a copy of the
  project folder opens no session.
- Passes: ``all`` (every post, or every post of a group), ``first`` (the pretest: the first
  PCT% of a group), ``sample`` (a seeded re-test sample) use
  :mod:`chatcode.coding.selection`; ``consensus`` covers the posts two passes both
  confirmed, is coded by ``consensus`` and starts with every dimension the two agree on
  already decided.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chatcode._io.output import atomic_dir
from chatcode.codebook import Codebook, load_codebook
from chatcode.coding.selection import Selection, select_posts
from chatcode.coding.store import CodingStore, read_store
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, read_corpus, write_corpus
from chatcode.errors import CodingError, Location

__all__ = ["Assignment", "Project", "hash_secret", "init_project", "is_project",
           "read_project_codes"]

KIND = "chatcode_project"
VERSION = "1"
DB = "project.sqlite"
CORPUS = "corpus.parquet"
CODEBOOK = "codebook.yaml"
STORES = "stores"
LEAD = "lead"
CONSENSUS_CODER = "consensus"
PASS_KINDS = ("all", "first", "sample", "consensus")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE people (
    name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('coder', 'lead')),
    token_hash TEXT UNIQUE, token_set_at TEXT);
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY, coder TEXT NOT NULL, pass TEXT NOT NULL, kind TEXT NOT NULL,
    pct REAL, grp TEXT, seed INTEGER, stratify INTEGER NOT NULL DEFAULT 0,
    compares TEXT, selection TEXT NOT NULL, created TEXT NOT NULL, UNIQUE (coder, pass));
CREATE TABLE memos (
    assignment INTEGER NOT NULL, post_id TEXT NOT NULL, memo TEXT NOT NULL,
    saved_at TEXT NOT NULL, PRIMARY KEY (assignment, post_id));
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY, name TEXT NOT NULL, csrf TEXT NOT NULL, created TEXT NOT NULL);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def hash_secret(secret: str) -> str:
    """The sha256 hex digest under which a token or session id is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def is_project(path: str | Path) -> bool:
    """True when ``path`` is a project folder (it holds ``project.sqlite``)."""
    path = Path(path)
    return path.is_dir() and (path / DB).is_file()


@dataclass(frozen=True)
class Assignment:
    """One coding pass of one coder (a coding store in the project)."""

    id: int
    coder: str
    pass_: str
    kind: str
    selection: str
    compares: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.coder}/{self.pass_}"


def init_project(corpus: str | Path | Corpus, codebook: str | Path, out: str | Path, *,
                 force: bool = False) -> Path:
    """Write a new project folder at ``out`` from a corpus and a codebook file.

    The corpus is copied (as Parquet) and the codebook file too, so the project keeps
    working when the originals move. Refuses to replace ``out`` unless ``force``.
    """
    out = Path(out)
    cb = load_codebook(codebook)
    data = corpus if isinstance(corpus, Corpus) else read_corpus(corpus)
    with atomic_dir(out, force=force) as tmp:
        write_corpus(data, tmp / CORPUS)
        shutil.copyfile(codebook, tmp / CODEBOOK)
        (tmp / STORES).mkdir()
        conn = sqlite3.connect(tmp / DB, isolation_level=None)
        try:
            conn.executescript(_SCHEMA)
            meta = {"kind": KIND, "version": VERSION, "codebook_name": cb.name,
                    "codebook_version": str(cb.version), "codebook_hash": cb.hash,
                    "n_posts": str(len(data.posts)), "created": _now()}
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
            conn.execute("INSERT INTO people VALUES (?, 'lead', NULL, NULL)", (LEAD,))
            conn.execute("COMMIT")
        finally:
            conn.close()
    return out


class Project:
    """An open project folder. Methods run on the caller's thread; the database connection
    may be used from one thread at a time (the server gives it a thread of its own)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not is_project(self.path):
            raise CodingError("not a chatcode project (no project.sqlite in it)",
                              where=Location(self.path),
                              hint="make one with chatcode project init CORPUS --codebook CB "
                              "-o NAME.ccproj")
        self.conn = sqlite3.connect(self.path / DB, isolation_level=None, timeout=30,
                                    check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("kind") != KIND or meta.get("version") != VERSION:
            self.conn.close()
            raise CodingError(f"unknown project format {meta.get('version')!r}",
                              where=Location(self.path / DB),
                              hint="use the chatcode version that wrote the project")
        self.meta = meta
        self.codebook: Codebook = load_codebook(self.path / CODEBOOK)
        if self.codebook.hash != meta["codebook_hash"]:
            self.conn.close()
            raise CodingError("the project's codebook.yaml was changed after the project "
                              "was made", where=Location(self.path / CODEBOOK),
                              hint="restore the file, or make a new project for the new "
                              "codebook version")
        self._corpus: Corpus | None = None

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = read_corpus(self.path / CORPUS)
        return self._corpus

    def close(self) -> None:
        self.conn.close()

    # --- people and tokens --------------------------------------------------------------
    def people(self) -> list[tuple[str, str, bool]]:
        """``(name, role, has_link)`` of everyone, the lead first."""
        rows = self.conn.execute("SELECT name, role, token_hash IS NOT NULL FROM people "
                                 "ORDER BY role = 'coder', name").fetchall()
        return [(n, r, bool(h)) for n, r, h in rows]

    def coders(self) -> list[str]:
        return [n for n, r, _ in self.people() if r == "coder"]

    def add_coder(self, name: str) -> str:
        """Add a coder; returns a new personal login token (shown once, stored hashed)."""
        name = str(name).strip()
        if not name or len(name) > 64 or name in (LEAD, CONSENSUS_CODER) or "/" in name:
            raise CodingError(f"cannot use {name!r} as a coder name",
                              hint="give 1 to 64 characters without '/', not 'lead' or "
                              "'consensus'")
        if name in {n for n, _, _ in self.people()}:
            raise CodingError(f"there is a coder {name!r} already",
                              hint="give a new link to the coder instead")
        self.conn.execute("INSERT INTO people VALUES (?, 'coder', NULL, NULL)", (name,))
        return self.new_token(name)

    def new_token(self, name: str) -> str:
        """A new login token for ``name`` (the old one stops working, its sessions end)."""
        token = secrets.token_urlsafe(32)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            cur = self.conn.execute("UPDATE people SET token_hash = ?, token_set_at = ? "
                                    "WHERE name = ?", (hash_secret(token), _now(), name))
            if cur.rowcount != 1:
                raise CodingError(f"no coder {name!r} in the project",
                                  hint=f"the coders are {', '.join(self.coders()) or 'none'}")
            self.conn.execute("DELETE FROM sessions WHERE name = ?", (name,))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return token

    def who(self, token: str) -> tuple[str, str] | None:
        """``(name, role)`` of the person whose token this is, else None."""
        row = self.conn.execute("SELECT name, role FROM people WHERE token_hash = ?",
                                (hash_secret(token),)).fetchone()
        return None if row is None else (row[0], row[1])

    def new_session(self, name: str) -> tuple[str, str]:
        """``(session id, csrf token)`` of a new session of ``name``; the id is stored hashed."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.conn.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                          (hash_secret(sid), name, csrf, _now()))
        return sid, csrf

    def session(self, sid: str) -> tuple[str, str, str] | None:
        """``(name, role, csrf)`` of a session id, else None."""
        row = self.conn.execute(
            "SELECT s.name, p.role, s.csrf FROM sessions s JOIN people p ON p.name = s.name "
            "WHERE s.hash = ?", (hash_secret(sid),)).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def end_session(self, sid: str) -> None:
        self.conn.execute("DELETE FROM sessions WHERE hash = ?", (hash_secret(sid),))

    # --- assignments --------------------------------------------------------------------
    def assignments(self, coder: str | None = None) -> list[Assignment]:
        sql = "SELECT id, coder, pass, kind, selection, compares FROM assignments"
        rows = self.conn.execute(sql + (" WHERE coder = ?" if coder else "") + " ORDER BY id",
                                 (coder,) if coder else ()).fetchall()
        return [Assignment(i, c, p, k, s, tuple(json.loads(m)) if m else ())
                for i, c, p, k, s, m in rows]

    def assignment(self, aid: int) -> Assignment | None:
        return next((a for a in self.assignments() if a.id == aid), None)

    def store_path(self, aid: int) -> Path:
        return self.path / STORES / f"{int(aid)}.sqlite"

    def assign(self, coder: str, pass_: str, selection: Selection) -> Assignment:
        """Give ``coder`` a pass over the posts ``selection`` picks; makes its coding store."""
        if coder not in self.coders():
            raise CodingError(f"no coder {coder!r} in the project",
                              hint="add the coder first")
        ids = select_posts(self.corpus.posts, selection)[S.POST_ID].tolist()
        n = len(ids)
        return self._new_assignment(coder, pass_, selection.kind, selection,
                                    selection.describe(n), ids, ())

    def assign_consensus(self, a: int, b: int, pass_: str = S.CONSENSUS_PASS) -> Assignment:
        """A consensus pass over the posts both assignments confirmed; every dimension
        they agree on is decided already, the rest is left to the lead."""
        first, second = self.assignment(a), self.assignment(b)
        if first is None or second is None or a == b:
            raise CodingError("a consensus pass compares two different passes",
                              hint="choose two passes of the project")
        codes = pd.concat([read_store(self.store_path(a)), read_store(self.store_path(b))],
                          ignore_index=True)
        done = [set(codes.loc[codes[S.CODER].eq(x.coder) & codes[S.PASS].eq(x.pass_),
                              S.POST_ID]) for x in (first, second)]
        common = done[0] & done[1]
        if not common:
            raise CodingError(f"{first.label} and {second.label} have no post both confirmed",
                              hint="wait until both passes overlap")
        order = self.corpus.posts[S.POST_ID]
        ids = order[order.isin(common)].tolist()
        text = f"consensus of {first.label} and {second.label} ({len(ids)} posts)"
        made = self._new_assignment(CONSENSUS_CODER, pass_, "consensus", None, text, ids,
                                    (a, b))
        agreed = agreed_codes(codes, first, second)
        with self.open_store(made) as store:
            for pid in ids:
                for dim, chosen in agreed.get(pid, {}).items():
                    store.set_codes(pid, dim, chosen)
                if len(agreed.get(pid, {})) == len(self.codebook.dimensions):
                    store.mark_done(pid)
        return made

    def _new_assignment(self, coder: str, pass_: str, kind: str, selection: Selection | None,
                        text: str, ids: list[str], compares: tuple[int, ...]) -> Assignment:
        pass_ = str(pass_).strip()
        if not pass_ or "/" in pass_ or len(pass_) > 64:
            raise CodingError(f"cannot use {pass_!r} as a pass name",
                              hint="give 1 to 64 characters without '/', e.g. main")
        if any(x.coder == coder and x.pass_ == pass_ for x in self.assignments()):
            raise CodingError(f"{coder} has a pass {pass_!r} already",
                              hint="give the new pass another name")
        sel = selection or Selection()
        path = None
        self.conn.execute("BEGIN IMMEDIATE")  # the row and its store, or neither
        try:
            cur = self.conn.execute(
                "INSERT INTO assignments (coder, pass, kind, pct, grp, seed, stratify, "
                "compares, selection, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (coder, pass_, kind, sel.pct, sel.group, sel.seed, int(sel.stratify),
                 json.dumps(list(compares)) if compares else None, text, _now()))
            made = Assignment(int(cur.lastrowid), coder, pass_, kind, text, compares)
            path = self.store_path(made.id)
            if path.exists():  # left by a pass whose row was never committed: keep it aside
                path.rename(path.with_name(f"{path.name}.orphan-{secrets.token_hex(4)}"))
            CodingStore.open(path, codebook=self.codebook, coder=coder, pass_=pass_,
                             selection=text if selection is None else selection,
                             post_ids=ids).close()
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            for leftover in (path, *(() if path is None else (
                    path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")))):
                if leftover is not None and leftover.exists():
                    leftover.unlink()
            raise
        return made

    def open_store(self, assignment: Assignment) -> CodingStore:
        """The coding store of an assignment (open it on the thread that will use it)."""
        path = self.store_path(assignment.id)
        selection, ids = _store_identity(path)
        return CodingStore.open(path, codebook=self.codebook, coder=assignment.coder,
                                pass_=assignment.pass_, selection=selection, post_ids=ids)

    # --- memos --------------------------------------------------------------------------
    def memo(self, aid: int, post_id: str) -> str:
        row = self.conn.execute("SELECT memo FROM memos WHERE assignment = ? AND post_id = ?",
                                (aid, post_id)).fetchone()
        return "" if row is None else row[0]

    def set_memo(self, aid: int, post_id: str, memo: str) -> None:
        if memo.strip():
            self.conn.execute("INSERT OR REPLACE INTO memos VALUES (?, ?, ?, ?)",
                              (aid, post_id, memo, _now()))
        else:
            self.conn.execute("DELETE FROM memos WHERE assignment = ? AND post_id = ?",
                              (aid, post_id))

def _store_identity(path: Path) -> tuple[str, tuple[str, ...]]:
    """The selection text and post ids a store was made with (read-only)."""
    if not path.is_file():
        raise CodingError("the coding store of this pass is missing", where=Location(path),
                          hint="restore the project folder from a backup")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (selection,) = conn.execute("SELECT value FROM meta WHERE key = 'selection'").fetchone()
        ids = tuple(r[0] for r in conn.execute("SELECT post_id FROM posts ORDER BY seq"))
    finally:
        conn.close()
    return selection, ids


def agreed_codes(codes: pd.DataFrame, a: Assignment, b: Assignment
                 ) -> dict[str, dict[str, set[str]]]:
    """``{post: {dimension: codes}}`` for the dimensions both passes coded identically."""
    sets: list[dict[tuple[str, str], set[str]]] = []
    for x in (a, b):
        sub = codes[codes[S.CODER].eq(x.coder) & codes[S.PASS].eq(x.pass_)]
        out: dict[tuple[str, str], set[str]] = {}
        for pid, dim, code, value in sub[[S.POST_ID, S.DIMENSION, S.CODE, S.VALUE]].itertuples(
                index=False, name=None):
            chosen = out.setdefault((pid, dim), set())
            if value == 1:
                chosen.add(code)
        sets.append(out)
    agreed: dict[str, dict[str, set[str]]] = {}
    for key, chosen in sets[0].items():
        if key in sets[1] and sets[1][key] == chosen:
            agreed.setdefault(key[0], {})[key[1]] = chosen
    return agreed


def read_project_codes(path: str | Path) -> pd.DataFrame:
    """The codes table of every coding store of a project, one after another (the same
    columns as from a coding sheet: ``CODES_COLUMNS``, ``coded_at``, ``codebook_hash``)."""
    project = Project(path)
    try:
        paths = [project.store_path(a.id) for a in project.assignments()]
    finally:
        project.close()
    frames = [read_store(p) for p in paths if p.exists()]
    if not frames:
        raise CodingError("the project has no coding passes yet", where=Location(path),
                          hint="assign passes on the lead page of chatcode serve")
    return pd.concat(frames, ignore_index=True)
