"""Benchmark: every engagement table for a large coded corpus.

Builds a corpus of N posts (default 1,000,000; about 40% replies, about as many reactions)
and a complete codes table of one coder (N posts x 20 codes = 20,000,000 rows, in the form
``chatcode.coding.codes.read_codes`` returns), then times

- ``coded_posts``: joining corpus, codes and codebook (checks, code matrix, responses);
- ``build_tables``: all tables (three with/without tables with the Mann-Whitney test,
  support characteristics, topics, code frequencies, latency, weekly participation);

and prints the peak memory of the process (``ru_maxrss``, in a fresh subprocess).

Run::

    /work/venv/bin/python benchmarks/bench_tables.py                 # 1,000,000 posts
    /work/venv/bin/python benchmarks/bench_tables.py --posts 100000 --repeat 3

Target (engagement tables issue): all tables for 1,000,000 posts x 20 codes under 3 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chatcode.codebook import codebook_from_dict
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, write_corpus

HOUR_NS = 3_600_000_000_000
DIMENSIONS = {"support": True, "topic": False, "nudge": True, "bct": True}


def make_codebook():
    dims = [{"id": d, "label": d.title(), "multiple": multiple,
             "codes": [{"id": f"{d}_{i}", "label": f"{d} {i}", "definition": "x"}
                       for i in range(5)]} for d, multiple in DIMENSIONS.items()]
    tables = [{"id": f"ww_{d}", "kind": "with_without", "dimension": d, "title": d}
              for d, multiple in DIMENSIONS.items() if multiple]
    tables += [{"id": "9", "kind": "support_characteristics", "dimension": "support",
                "title": "support"},
               {"id": "11", "kind": "topics", "dimension": "topic", "title": "topics"},
               {"id": "latency", "kind": "latency", "title": "latency"}]
    return codebook_from_dict({"name": "bench", "version": "1", "dimensions": dims,
                               "tables": tables})


def _text(values: np.ndarray, dictionary: list[str] | pa.Array | None = None) -> pd.Series:
    """A pandas ``str`` column built through Arrow (fast for tens of millions of rows)."""
    if dictionary is None:
        return pd.Series(pd.array(pa.array(values.astype(str)), dtype="str"))
    taken = pc.take(pa.array(dictionary) if isinstance(dictionary, list) else dictionary,
                    pa.array(values))
    return pd.Series(pd.array(taken, dtype="str"))


def post_ids(n: int) -> pa.Array:
    """``p0, p1, ...`` as one Arrow array (no Python string per post)."""
    return pc.binary_join_element_wise("p", pc.cast(pa.array(np.arange(n)), pa.string()), "")


def make_corpus(n: int, rng: np.random.Generator) -> Corpus:
    ids = post_ids(n)
    ts = pd.Timestamp("2023-01-01", tz="UTC").value + np.sort(
        rng.integers(0, 200 * 24 * HOUR_NS, n))
    group = rng.integers(0, 12, n)
    is_reply = rng.random(n) < 0.4
    is_reply[0] = False
    parent = np.maximum(np.arange(n) - rng.integers(1, 200, n), 0)
    group = np.where(is_reply, group[parent], group)
    author = rng.integers(0, 400, n)
    parent_id = pd.Series(_text(parent, ids)).where(is_reply)
    posts = pd.DataFrame({
        S.POST_ID: _text(np.arange(n), ids), S.GROUP: _text(group, [f"G{i}" for i in
                                                                   range(12)]),
        S.TIMESTAMP: pd.to_datetime(ts, utc=True),
        S.AUTHOR: _text(author, [f"user{i}" for i in range(400)]),
        S.ROLE: _text((author < 5).astype(int), [S.PARTICIPANT, S.MODERATOR]),
        S.TEXT: _text(np.zeros(n, dtype=int), ["Hello"]),
        S.PARENT_ID: parent_id.astype("str"),
        S.ATTACHMENTS: np.zeros(n, dtype="int64")})
    on = rng.integers(0, n, n)
    reactions = pd.DataFrame({
        S.POST_ID: _text(on, ids),
        S.AUTHOR: _text(rng.integers(0, 400, n), [f"user{i}" for i in range(400)]),
        S.EMOJI: _text(np.zeros(n, dtype=int), ["thumbsup"]),
        S.TIMESTAMP: pd.to_datetime(ts[on] + rng.integers(0, 48 * HOUR_NS, n), utc=True)})
    return Corpus.trusted(posts, reactions)


def make_codes(n: int, codebook, rng: np.random.Generator, *,
               compact: bool = False) -> pd.DataFrame:
    """A complete codes table: every post, every code of every dimension, post by post.

    ``compact``: categorical text columns and int8 values (about 9 bytes a row instead of
    about 60), as a table of hundreds of millions of rows is held in memory.
    """
    keys = [(d.id, c.id, d.multiple) for d in codebook.dimensions for c in d.codes]
    k = len(keys)
    values = np.empty((n, k), dtype=np.int8)
    step = 1_000_000
    for lo in range(0, n, step):  # in slices: no n x k float matrix
        hi = min(n, lo + step)
        values[lo:hi] = rng.random((hi - lo, k), dtype=np.float32) < 0.15
        start = 0
        for d in codebook.dimensions:  # a single-choice dimension: at most one 1 per post
            if not d.multiple:
                pick = rng.integers(-1, len(d.codes), hi - lo)
                values[lo:hi, start:start + len(d.codes)] = pick[:, None] == np.arange(
                    len(d.codes))
            start += len(d.codes)
    dim_of = np.array([i for i, d in enumerate(DIMENSIONS) for _ in range(5)], dtype=np.int8)
    if compact:
        def cat(codes: np.ndarray, labels) -> pd.Categorical:
            return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(
                pd.Index(pd.array(labels, dtype="str"))))

        return pd.DataFrame({
            S.POST_ID: cat(np.repeat(np.arange(n, dtype=np.int32), k), post_ids(n)),
            S.CODER: cat(np.zeros(n * k, dtype=np.int8), ["A"]),
            S.PASS: cat(np.zeros(n * k, dtype=np.int8), ["main"]),
            S.DIMENSION: cat(np.tile(dim_of, n), list(DIMENSIONS)),
            S.CODE: cat(np.tile(np.arange(k, dtype=np.int8), n), [c for _, c, _ in keys]),
            S.VALUE: values.reshape(-1)})
    ids = post_ids(n)
    return pd.DataFrame({
        S.POST_ID: _text(np.repeat(np.arange(n), k), ids),
        S.CODER: _text(np.zeros(n * k, dtype=int), ["A"]),
        S.PASS: _text(np.zeros(n * k, dtype=int), ["main"]),
        S.DIMENSION: _text(np.tile(dim_of, n), list(DIMENSIONS)),
        S.CODE: _text(np.tile(np.arange(k), n), [c for _, c, _ in keys]),
        S.VALUE: values.reshape(-1).astype("int64")})


# --- the floor: the same numbers by a minimal hand-written pandas/numpy implementation ----

def floor(folder: Path, codebook) -> dict:
    """Every number of the tables from the Parquet files, with nothing but what the numbers
    need: the columns used, responses by bincount, the code matrix from the dictionary
    indices Parquet stores, Mann-Whitney by one ranking (normal approximation, tie
    correction), per-group quartiles, weekly counts. No checks, no notes, no labels."""
    from scipy.special import ndtr

    posts = pq.read_table(folder / "corpus.parquet" / "posts.parquet", columns=[
        S.POST_ID, S.GROUP, S.TIMESTAMP, S.AUTHOR, S.ROLE, S.PARENT_ID]).to_pandas()
    reactions = pq.read_table(folder / "corpus.parquet" / "reactions.parquet",
                              columns=[S.POST_ID, S.AUTHOR]).to_pandas()
    n = len(posts)
    index = pd.Index(posts[S.POST_ID])
    parent = index.get_indexer(posts[S.PARENT_ID])
    target = index.get_indexer(reactions[S.POST_ID])
    author, _ = pd.factorize(pd.concat([posts[S.AUTHOR], reactions[S.AUTHOR]],
                                       ignore_index=True))
    post_author, reactor = author[:n], author[n:]
    group, groups = pd.factorize(posts[S.GROUP], sort=True)
    child = np.flatnonzero((parent >= 0) & (group == group[np.maximum(parent, 0)]))
    counted = child[post_author[child] != post_author[parent[child]]]
    owner = np.full(n, -1)
    owner[child] = parent[child]
    on_reply = owner[target]
    y = (np.bincount(parent[counted], minlength=n)
         + np.bincount(target[reactor != post_author[target]], minlength=n)
         + np.bincount(on_reply[(on_reply >= 0) & (reactor != post_author[on_reply])],
                       minlength=n)).astype("float64")
    # the code matrix: dictionary indices of post ids and codes, no string per row
    codes = pq.read_table(folder / "codes.parquet", columns=[S.POST_ID, S.CODE, S.VALUE],
                          read_dictionary=[S.POST_ID, S.CODE]).unify_dictionaries()
    pid, code = (codes.column(c).combine_chunks() for c in (S.POST_ID, S.CODE))
    names = [c.id for d in codebook.dimensions for c in d.codes]
    column = pd.Index(names).get_indexer(code.dictionary.to_pandas())[code.indices]
    has = np.zeros((n, len(names)), dtype=bool)
    has[index.get_indexer(pid.dictionary.to_pandas())[pid.indices], column] = (
        codes.column(S.VALUE).to_numpy() == 1)
    out = {}
    levels, counts = np.unique(y, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[np.searchsorted(levels, y)]
    ties = float((counts.astype("float64") ** 3 - counts).sum())
    for d in codebook.dimensions:
        for c in d.codes:
            mask = has[:, names.index(c.id)]
            a, b = y[mask], y[~mask]
            if not d.multiple:
                out[c.id] = (len(a), a.mean(), a.std(ddof=1))
                continue
            n1, n0 = len(a), len(b)
            u = ranks[mask].sum() - n1 * (n1 + 1) / 2
            var = n1 * n0 / 12 * ((n + 1) - ties / (n * (n - 1)))
            out[c.id] = (n1, a.mean(), a.std(ddof=1), n0, b.mean(), b.std(ddof=1), u,
                         2 * ndtr(-abs(u - n1 * n0 / 2) / np.sqrt(var)))
    role, roles = pd.factorize(posts[S.ROLE], sort=True)
    out["roles"] = {r: has[role == i].sum(axis=0) for i, r in enumerate(roles)}
    out["groups"] = np.stack([np.bincount(group, weights=h, minlength=len(groups))
                              for h in has.T])
    ts = posts[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").view("int64")
    hours = (ts[counted] - ts[parent[counted]]) / HOUR_NS
    out["latency"] = [(len(h), h.mean(), *np.percentile(h, [50, 25, 75])) for h in
                      [hours, *(hours[group[counted] == g] for g in range(len(groups)))]]
    day = 86_400_000_000_000
    first = pd.Series(ts).groupby(group).min().to_numpy() // day
    week = (ts - first[group] * day) // (7 * day) + 1
    out["weekly"] = pd.DataFrame({"g": group, "r": role, "w": week, "a": post_author,
                                  "y": y}).groupby(["g", "r", "w"]).agg(
        posts=("a", "size"), authors=("a", "nunique"), responses=("y", "sum"))
    return out


def same_numbers(tables: dict, mine: dict) -> list[str]:
    """Where chatcode's tables and the floor differ (relative tolerance 1e-9)."""
    def close(a, b) -> bool:
        return np.allclose(np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64"),
                           rtol=1e-9, atol=0, equal_nan=True)

    bad, kinds = [], {"with_without", "topics", "support_characteristics", "latency",
                      "frequencies", "participation"}
    bad += [f"{t.id}: not compared" for t in tables.values() if t.kind not in kinds]
    for t in tables.values():
        if t.kind == "with_without":
            for r in t.data.itertuples():
                got = (r.n_with, r.mean_with, r.sd_with, r.n_without, r.mean_without,
                       r.sd_without, r.statistic, r.p_value)
                if not close(got, mine[r.code]):
                    bad.append(f"{t.id} {r.code}: {got} vs {mine[r.code]}")
        elif t.kind == "topics":
            bad += [f"{t.id} {r.code}" for r in t.data.itertuples()
                    if not close((r.n, r.mean, r.sd), mine[r.code])]
        elif t.kind == "support_characteristics":
            k = len(t.data)
            if not (close(t.data[S.N_MODERATOR], mine["roles"][S.MODERATOR][:k])
                    and close(t.data[S.N_PARTICIPANT], mine["roles"][S.PARTICIPANT][:k])):
                bad.append(t.id)
        elif t.kind == "latency":
            got = t.data[[S.N, S.MEAN_HOURS, S.MEDIAN_HOURS, S.Q1_HOURS, S.Q3_HOURS]]
            if not close(got.to_numpy(), mine["latency"]):
                bad.append(t.id)
        elif t.kind == "frequencies":
            by_group = t.data[t.data[S.BY].eq(S.GROUP)][S.N].to_numpy()
            if not close(by_group, mine["groups"].reshape(-1)):
                bad.append(t.id)
        elif t.kind == "participation":
            got = t.data[t.data[S.POSTS] > 0][[S.POSTS, S.AUTHORS, S.RESPONSES]]
            if not close(got.to_numpy(), mine["weekly"].to_numpy()):
                bad.append(t.id)
    return bad


def chatcode_from_parquet(folder: Path, codebook, ids: list[str]) -> dict:
    """Reading the corpus and the codes, joining them, every table: what ``chatcode
    tables`` does."""
    from chatcode.coding.codes import read_codes
    from chatcode.corpus.corpus import read_corpus
    from chatcode.tables.layouts import build_tables, coded_posts

    coded = coded_posts(read_corpus(folder / "corpus.parquet"),
                        read_codes(folder / "codes.parquet", codebook=codebook), codebook)
    return {t.id: t for t in build_tables(coded, tables=ids)}


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def child(n: int, repeat: int) -> dict:
    import warnings

    from chatcode.tables.layouts import build_tables, coded_posts, table_specs

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    codebook = make_codebook()
    corpus = make_corpus(n, rng)
    codes = make_codes(n, codebook, rng)
    built = time.perf_counter() - t0
    ids = [t.id for t in table_specs(codebook)]
    # a fresh Corpus object per run: its cached id positions (Corpus.id_positions) start cold
    t_prep, coded = _best(lambda: coded_posts(Corpus.trusted(corpus.posts, corpus.reactions),
                                              codes, codebook), repeat)
    t_tables, tables = _best(lambda: build_tables(coded, tables=ids), repeat)
    out = {"posts": n, "codes_rows": len(codes), "tables": len(tables), "build_s": built,
           "prepare_s": t_prep, "tables_s": t_tables}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_corpus(corpus, folder / "corpus.parquet")
        codes.to_parquet(folder / "codes.parquet", index=False)
        coded = tables = codes = corpus = None  # free the memory before the timed runs
        times = {"chatcode": [], "floor": []}
        for _ in range(repeat):  # alternating, so that a busy machine slows both alike
            for name, fn in (("chatcode", lambda: chatcode_from_parquet(folder, codebook, ids)),
                             ("floor", lambda: floor(folder, codebook))):
                t0 = time.perf_counter()
                result = fn()
                times[name].append(time.perf_counter() - t0)
                if name == "chatcode":
                    mine_tables = result
                else:
                    mismatches = same_numbers(mine_tables, result)
                del result
        out |= {"parquet_s": times["chatcode"], "floor_s": times["floor"],
                "mismatches": mismatches}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each (best of for the in-memory times, median from Parquet)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.posts, args.repeat)))
        return
    proc = subprocess.run([sys.executable, __file__, "--child", "--posts", str(args.posts),
                           "--repeat", str(args.repeat)], capture_output=True, text=True,
                          check=True)
    r = json.loads(proc.stdout)
    print(f"input: {r['posts']:,} posts, {r['codes_rows']:,} code rows (20 codes), built in "
          f"{r['build_s']:.1f} s")
    print(f"coded_posts (join, checks, responses)   {r['prepare_s']:.3f} s  (best of "
          f"{args.repeat})")
    print(f"build_tables ({r['tables']} tables)               {r['tables_s']:.3f} s")
    print(f"all tables from corpus + codes          {r['prepare_s'] + r['tables_s']:.3f} s"
          "   target < 3 s")
    ours, base = statistics.median(r["parquet_s"]), statistics.median(r["floor_s"])
    print(f"from Parquet: read, join, all tables    {ours:.3f} s  (median of {args.repeat})"
          f"   target <= 3 s: {'met' if ours <= 3 else 'NOT met'}")
    print(f"floor (minimal pandas/numpy)            {base:.3f} s  same numbers: "
          + ("yes" if not r["mismatches"] else "NO: " + "; ".join(r["mismatches"][:5])))
    print(f"chatcode / floor                        {ours / base:.2f}x   target <= 1.5x")
    print(f"peak memory                             {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
