"""The coded posts: one coder's codes joined to the corpus, with the responses of each post.

:func:`coded_posts` is the input of every engagement table (:mod:`chatcode.tables.layouts`). It
checks the codes against the corpus and the codebook (unknown posts or codes, repeated or
incomplete codings, several coders without a choice) and reports every problem at once.

Notes
-----
- Units are the posts (root posts and replies) the chosen coder coded in the chosen pass.
  Posts without codes are left out with a ChatcodeWarning giving their number
  (``strict=True``: an error).
- Responses are counted over the whole corpus (a reply counts even when it was not coded),
  with the options of :func:`chatcode.engagement.responses`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode.codebook import Codebook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, post_positions
from chatcode.engagement.choices import CLUSTERS
from chatcode.errors import ChatcodeWarning, Location, Problem, Problems, TablesError

__all__ = ["CLUSTERS", "CodedPosts", "coded_posts"]

_SHOW = 8  # ids shown in an error message

# --- the coded posts ------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CodedPosts:
    """The posts one coder coded in one pass, with their codes and responses.

    ``units``: one row per coded post (``post_id, group, timestamp, author, role`` and the
    response columns of :func:`chatcode.engagement.responses`), in corpus order.
    ``values``: an int8 matrix, one row per unit and one column per code of the codebook
    (dimensions in codebook order): 1, 0, or -1 where the post was not coded in that
    dimension. ``responses``: the responses of every post of the corpus.
    """

    corpus: Corpus
    codebook: Codebook
    units: pd.DataFrame
    values: np.ndarray
    responses: pd.DataFrame
    coder: str
    pass_: str
    include_self: bool = False
    responders: str = "all"
    notes: tuple[str, ...] = ()
    _columns: dict[str, slice] = field(default_factory=dict, repr=False)

    def codes_of(self, dimension: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The units coded in ``dimension`` and their codes (one 0/1 int8 column per code)."""
        dim = self.codebook.dimension(dimension)
        block = self.values[:, self._columns[dim.id]]
        coded = block[:, 0] >= 0 if block.shape[1] else np.zeros(len(block), dtype=bool)
        if coded.all():
            return self.units, pd.DataFrame(block, columns=list(dim.code_ids))
        units = self.units[coded].reset_index(drop=True)
        return units, pd.DataFrame(block[coded], columns=list(dim.code_ids))

    def not_coded_note(self, dimension: str) -> str | None:
        """A note when some units are not coded in ``dimension`` (they are left out)."""
        block = self.values[:, self._columns[self.codebook.dimension(dimension).id]]
        missing = int((block[:, 0] < 0).sum()) if block.shape[1] else 0
        if not missing:
            return None
        return (f"{missing} of the {len(self.units)} coded posts are not coded in dimension "
                f"{dimension!r}: left out of this table")


def coded_posts(
    corpus: Corpus,
    codes: pd.DataFrame,
    codebook: Codebook,
    *,
    coder: str | None = None,
    pass_: str | None = None,
    include_self: bool = False,
    responders: str = "all",
    strict: bool = False,
) -> CodedPosts:
    """Join a corpus, a codes table (``chatcode.coding.codes.read_codes``) and a codebook.

    ``coder`` and ``pass_`` pick one coder and pass (e.g. ``"A"``, ``"main"``, or
    ``pass_="consensus"``); they may be left out when the codes hold one combination.
    Raises :class:`TablesError` listing every problem: several coder/pass combinations
    without a choice, codes for posts not in the corpus, unknown dimensions or codes,
    repeated or incomplete decisions, several codes of a single-choice dimension. Posts
    without codes are left out with a ChatcodeWarning (``strict=True``: an error).
    ``include_self`` and ``responders`` are the options of
    :func:`chatcode.engagement.responses`.
    """
    from chatcode.engagement.responses import responses

    missing = [c for c in S.CODES_COLUMNS if c not in codes.columns]
    if missing:
        raise TablesError(f"not a codes table: missing column(s) {', '.join(missing)}",
                          hint="read the codes with chatcode.coding.codes.read_codes")
    codes, coder, pass_ = _select_pass(codes, coder, pass_)
    keys = [(d.id, c.id) for d in codebook.dimensions for c in d.codes]
    columns, start = {}, 0
    for d in codebook.dimensions:
        columns[d.id] = slice(start, start + len(d.codes))
        start += len(d.codes)
    who = f"coder {coder}, pass {pass_}"
    values, problems = _code_matrix(corpus.posts, codes, codebook, keys, who)
    if problems:
        raise Problems.of(TablesError, problems,
                          title=f"the codes ({who}) have {len(problems)} problem(s)"
                          if len(problems) > 1 else None)
    coded = (values >= 0).any(axis=1)
    notes = _uncoded(coded, who, strict=strict)
    resp = responses(corpus, include_self=include_self, responders=responders)
    units = pd.concat([corpus.posts[[S.POST_ID, S.GROUP, S.TIMESTAMP, S.AUTHOR, S.ROLE]]
                       .reset_index(drop=True),
                       resp[[S.REPLIES, S.REACTIONS, S.REPLY_REACTIONS, S.RESPONSES]]
                       .reset_index(drop=True)], axis=1)
    if not coded.all():
        units, values = units[coded].reset_index(drop=True), values[coded]
    return CodedPosts(corpus, codebook, units, values, resp, coder, pass_, include_self,
                      responders, notes, columns)


def _select_pass(codes: pd.DataFrame, coder: str | None,
                 pass_: str | None) -> tuple[pd.DataFrame, str, str]:
    """The rows of one coder and pass; an error listing the combinations when unclear."""
    coders, passes = _distinct(codes[S.CODER]), _distinct(codes[S.PASS])
    if len(coders) == 1 and len(passes) == 1:
        combos = [(coders[0], passes[0])]
    else:
        pairs = codes[[S.CODER, S.PASS]].drop_duplicates().astype(str)
        combos = sorted(zip(pairs[S.CODER], pairs[S.PASS], strict=True))
    fits = [(c, p) for c, p in combos
            if (coder is None or c == coder) and (pass_ is None or p == pass_)]
    listing = ", ".join(f"{c}/{p}" for c, p in combos) or "(none)"
    if not fits:
        asked = "/".join(filter(None, [coder, pass_]))
        raise TablesError(f"the codes hold no coder/pass {asked!r}",
                          hint=f"the codes hold {listing}; give --coder and --pass of one")
    if len(fits) > 1:
        raise TablesError(f"the codes hold {len(fits)} coder/pass combinations: "
                          + ", ".join(f"{c}/{p}" for c, p in fits),
                          hint=f"choose one, e.g. --coder {fits[0][0]} --pass {fits[0][1]} "
                          "(or --pass consensus)")
    coder, pass_ = fits[0]
    if len(combos) > 1:
        codes = codes[codes[S.CODER].eq(coder) & codes[S.PASS].eq(pass_)]
    return codes, coder, pass_


def _arrow(values: pd.Series) -> pa.Array:
    """One contiguous Arrow array: a codes table read from Parquet comes in many chunks,
    and every ``take`` on a chunked array costs a pass per chunk."""
    arr = pa.array(values.astype("str").array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


class _Column:
    """A text column of a codes table, compared without making a string of every row.

    Text columns are compared as one Arrow array; a categorical column (how a codes table
    of hundreds of millions of rows fits in memory: an integer code per row) is compared
    by its integer codes, and only the rows asked for become text.
    """

    def __init__(self, values: pd.Series) -> None:
        if isinstance(values.dtype, pd.CategoricalDtype):
            self.codes = values.array.codes  # a view, no copy
            self.labels = pa.array(values.cat.categories.astype("str").array)
            self.arrow = None
        else:
            self.codes, self.labels, self.arrow = None, None, _arrow(values)

    def __len__(self) -> int:
        return len(self.codes) if self.arrow is None else len(self.arrow)

    def take(self, rows: np.ndarray | slice) -> pa.Array:
        """The text of ``rows`` (missing values are null)."""
        if self.arrow is not None:
            return self.arrow[rows] if isinstance(rows, slice) else self.arrow.take(rows)
        codes = self.codes[rows]
        return self.labels.take(pa.array(codes, mask=codes < 0))

    def changed(self, out: np.ndarray) -> None:
        """Whether each row but the first differs from the row before it, into ``out``."""
        if self.arrow is None:
            np.not_equal(self.codes[1:], self.codes[:-1], out=out)
            return
        diff = pc.fill_null(pc.not_equal(self.arrow[1:], self.arrow[:-1]), True)
        out[:] = diff.to_numpy(zero_copy_only=False)

    def periodic(self, m: int) -> bool:
        """Whether the values repeat with period ``m`` (row i equals row i + m)."""
        if len(self) <= m:
            return True
        if self.arrow is None:
            return bool(np.array_equal(self.codes[m:], self.codes[:-m]))
        return pc.all(pc.equal(self.arrow[m:], self.arrow[:-m]),
                      skip_nulls=False).as_py() is True

    def factorize(self) -> tuple[np.ndarray, list]:
        """An integer code per row and the text of each code."""
        if self.arrow is None:
            return self.codes, [None if v is None else str(v) for v in self.labels.to_pylist()]
        codes, uniques = pd.factorize(pd.Series(pd.array(self.arrow, dtype="str")))
        return codes, list(uniques)


def _run_starts(col: _Column) -> np.ndarray:
    """Where each run of equal values starts. Codes tables keep the rows of one post
    together, so hashing only the first row of each run is many times faster."""
    head = np.empty(len(col), dtype=bool)
    head[:1] = True
    if len(col) > 1:
        col.changed(head[1:])
    return np.flatnonzero(head)


def _distinct(values: pd.Series) -> list[str]:
    col = _Column(values)
    if col.arrow is None and len(col.labels) == 1 and len(col):
        # one category (one coder, one pass): is it used, and is any value missing?
        low, high = int(col.codes.min()), int(col.codes.max())
        found = [str(col.labels[0].as_py())] if high >= 0 else []
        found += ["None"] if low < 0 else []  # as str() of a missing value
        return sorted(found)
    return sorted(str(v) for v in pc.unique(col.take(_run_starts(col))).to_pylist())


def _layout(codes: pd.DataFrame, lengths: np.ndarray, keys: list[tuple[str, str]]
            ) -> np.ndarray | None:
    """The columns of a regular codes table: every post has one run of the same m rows with
    the same (dimension, code) order. Returns the key column of each of the m rows, or
    None when the table is not regular (then every row is looked up on its own)."""
    m = int(lengths[0]) if len(lengths) else 0
    if not m or np.any(lengths != m):
        return None
    dims, names = _Column(codes[S.DIMENSION]), _Column(codes[S.CODE])
    where = {key: i for i, key in enumerate(keys)}
    first = [where.get((d, c), -1) for d, c in zip(dims.take(slice(0, m)).to_pylist(),
                                                   names.take(slice(0, m)).to_pylist(),
                                                   strict=True)]
    if -1 in first or len(set(first)) < m or not (dims.periodic(m) and names.periodic(m)):
        return None
    return np.array(first, dtype=np.int64)


def _code_matrix(posts: pd.DataFrame, codes: pd.DataFrame, codebook: Codebook,
                 keys: list[tuple[str, str]], who: str) -> tuple[np.ndarray, list[Problem]]:
    n, k = len(posts), len(keys)
    values = np.full((n, k), -1, dtype=np.int8)
    ids = _Column(codes[S.POST_ID])
    starts = _run_starts(ids)
    lengths = np.diff(np.append(starts, len(ids)))
    heads = pd.Series(pd.array(ids.take(starts), dtype="str"))
    head_pos = _positions(posts, heads)
    layout = _layout(codes, lengths, keys)
    idx = _key_index(codes, keys) if layout is None else None
    value, problems = _values(codes[S.VALUE])
    if (head_pos < 0).any():
        problems.insert(0, _unknown_posts(heads[head_pos < 0], int(lengths[head_pos < 0].sum()),
                                          who))
    if idx is not None and (idx < 0).any():
        problems.append(_unknown_codes(codes, idx, codebook))
    if problems:
        return values, problems
    complete = False
    if layout is not None and np.bincount(head_pos, minlength=1).max() == 1:
        block = value.reshape(len(starts), len(layout))
        if (len(starts) == n and np.array_equal(layout, np.arange(k))
                and np.array_equal(head_pos, np.arange(n))):  # every post, in corpus order
            np.copyto(values, block, casting="unsafe")  # (values are 0 or 1)
        else:
            values[head_pos[:, None], layout[None, :]] = block
        complete = len(layout) == k  # every coded post has a row for every code
    else:
        pos, idx = np.repeat(head_pos, lengths), idx if idx is not None else np.tile(
            layout, len(starts))
        values[pos, idx] = value
        if int((values >= 0).sum()) != len(pos):
            problems.append(_repeated(pos, idx, k, posts, keys))
    return values, problems + _incomplete(values, codebook, posts, who, complete=complete)


def _positions(posts: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Row positions of ``ids`` in ``posts`` (-1: not a post); fast when in corpus order."""
    own = posts[S.POST_ID]
    if len(ids) == len(own) and pc.all(pc.equal(_arrow(own), _arrow(ids)),
                                       skip_nulls=False).as_py() is True:
        return np.arange(len(ids))
    return post_positions(posts, ids)[0]


def _values(column: pd.Series) -> tuple[np.ndarray, list[Problem]]:
    if pd.api.types.is_integer_dtype(column.dtype):
        raw = column.to_numpy()
        if raw.dtype.kind in "iu":  # 0 and 1 are the only values below 2 as unsigned
            bad = raw.view(f"u{raw.dtype.itemsize}") > 1
        else:
            bad = (raw != 0) & (raw != 1)
    else:
        num = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64")
        raw, bad = num, ~np.isin(num, (0.0, 1.0))
    if not bad.any():  # 0 and 1 (put into the int8 code matrix as they are)
        return raw, []
    shown = pd.Series(column.to_numpy()[bad][:_SHOW]).astype(str).tolist()
    return raw, [Problem(f"{int(bad.sum())} value(s) are not 0 or 1, e.g. {', '.join(shown)}",
                         Location(column=S.VALUE),
                         "a code is 1 (the post has it) or 0 (it has not)")]


def _key_index(codes: pd.DataFrame, keys: list[tuple[str, str]]) -> np.ndarray:
    """The column of each row's (dimension, code) in ``keys``; -1 when not in the codebook."""
    dims = _Column(codes[S.DIMENSION])
    starts = _run_starts(dims)
    dim_code, dim_names = pd.factorize(pd.Series(pd.array(dims.take(starts), dtype="str")))
    dim_code = np.repeat(dim_code, np.diff(np.append(starts, len(dims))))
    code_code, names = _Column(codes[S.CODE]).factorize()
    where = {key: i for i, key in enumerate(keys)}
    # one more row and column of -1: a missing dimension or code (code -1) is unknown
    lookup = np.full((len(dim_names) + 1, len(names) + 1), -1, dtype=np.int64)
    for i, d in enumerate(dim_names):
        lookup[i, :-1] = [where.get((d, c), -1) for c in names]
    return lookup[dim_code, code_code]


def _listing(items: list[str]) -> str:
    more = len(items) - _SHOW
    return ", ".join(items[:_SHOW]) + (f" and {more} more" if more > 0 else "")


def _unknown_posts(heads: pd.Series, n_rows: int, who: str) -> Problem:
    ids = list(dict.fromkeys(str(h) for h in heads.tolist()))
    return Problem(f"{len(ids)} coded post(s) are not in the corpus ({n_rows} rows, {who}): "
                   f"{_listing(ids)}", Location(column=S.POST_ID),
                   "give the corpus the posts were coded from (the same ingest of the same "
                   "export)")


def _unknown_codes(codes: pd.DataFrame, idx: np.ndarray, codebook: Codebook) -> Problem:
    bad = codes.loc[idx < 0, [S.DIMENSION, S.CODE]].drop_duplicates()
    pairs = [f"{d}:{c}" for d, c in bad.itertuples(index=False, name=None)]
    return Problem(f"codes not in the codebook {codebook.name!r} version {codebook.version}: "
                   f"{_listing(pairs)}", Location(column=S.CODE),
                   "give the codebook the posts were coded with (chatcode codebook show)")


def _repeated(pos: np.ndarray, idx: np.ndarray, k: int, posts: pd.DataFrame,
              keys: list[tuple[str, str]]) -> Problem:
    uniq, counts = np.unique(pos * k + idx, return_counts=True)
    dup = uniq[counts > 1]
    shown = [f"post {posts[S.POST_ID].iat[int(f // k)]} {':'.join(keys[int(f % k)])}"
             for f in dup]
    return Problem(f"{len(dup)} decision(s) appear more than once, e.g. {_listing(shown)}",
                   Location(column=S.CODE), "keep one row per post, dimension and code")


def _incomplete(values: np.ndarray, codebook: Codebook, posts: pd.DataFrame,
                who: str, *, complete: bool = False) -> list[Problem]:
    """Posts coded in a dimension but not for all its codes, and posts with several codes
    of a single-choice dimension. ``complete``: every post with codes has a value in every
    column (a regular table with a row for every code), so only the second is looked for."""
    problems, start = [], 0
    for d in codebook.dimensions:
        block = values[:, start:start + len(d.codes)]
        start += len(d.codes)
        if complete:
            bad = []
        else:
            filled = block >= 0
            bad = np.flatnonzero(filled.any(axis=1) & ~filled.all(axis=1))
        if len(bad):
            problems.append(Problem(
                f"{len(bad)} post(s) lack rows for some codes of dimension {d.id!r} ({who}), "
                f"e.g. {_listing(posts[S.POST_ID].iloc[bad].tolist())}",
                Location(column=S.CODE),
                "a coded post has a row with 0 or 1 for every code of the dimension"))
        many = np.flatnonzero((block == 1).sum(axis=1) > 1) if not d.multiple else []
        if len(many):
            problems.append(Problem(
                f"{len(many)} post(s) have several codes of the single-choice dimension "
                f"{d.id!r}, e.g. {_listing(posts[S.POST_ID].iloc[many].tolist())}",
                Location(column=S.VALUE), "give each post at most one code of this dimension"))
    return problems


def _uncoded(coded: np.ndarray, who: str, *, strict: bool) -> tuple[str, ...]:
    missing = int((~coded).sum())
    if not missing:
        return ()
    text = (f"{missing} of the {len(coded)} posts of the corpus have no codes ({who}): "
            "left out of the tables")
    if strict:
        raise TablesError(text.replace(": left out of the tables", ""),
                          hint="code every post, or leave out --strict (strict=False) to "
                          "leave them out with a warning")
    warnings.warn(ChatcodeWarning(text), stacklevel=3)
    return (text,)
