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
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode.codebook import codebook_from_dict
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus

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


def _text(values: np.ndarray, dictionary: list[str] | None = None) -> pd.Series:
    """A pandas ``str`` column built through Arrow (fast for tens of millions of rows)."""
    if dictionary is None:
        return pd.Series(pd.array(pa.array(values.astype(str)), dtype="str"))
    taken = pc.take(pa.array(dictionary), pa.array(values))
    return pd.Series(pd.array(taken, dtype="str"))


def make_corpus(n: int, rng: np.random.Generator) -> Corpus:
    ids = [f"p{i}" for i in range(n)]
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


def make_codes(n: int, codebook, rng: np.random.Generator) -> pd.DataFrame:
    """A complete codes table: every post, every code of every dimension, post by post."""
    keys = [(d.id, c.id, d.multiple) for d in codebook.dimensions for c in d.codes]
    k = len(keys)
    values = (rng.random((n, k)) < 0.15).astype("int64")
    start = 0
    for d in codebook.dimensions:  # a single-choice dimension: at most one 1 per post
        if not d.multiple:
            pick = rng.integers(-1, len(d.codes), n)
            values[:, start:start + len(d.codes)] = (
                pick[:, None] == np.arange(len(d.codes))).astype("int64")
        start += len(d.codes)
    ids = [f"p{i}" for i in range(n)]
    return pd.DataFrame({
        S.POST_ID: _text(np.repeat(np.arange(n), k), ids),
        S.CODER: _text(np.zeros(n * k, dtype=int), ["A"]),
        S.PASS: _text(np.zeros(n * k, dtype=int), ["main"]),
        S.DIMENSION: _text(np.tile([i for i, d in enumerate(DIMENSIONS) for _ in range(5)],
                                   n), list(DIMENSIONS)),
        S.CODE: _text(np.tile(np.arange(k), n), [c for _, c, _ in keys]),
        S.VALUE: values.reshape(-1)})


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
    return {"posts": n, "codes_rows": len(codes), "tables": len(tables), "build_s": built,
            "prepare_s": t_prep, "tables_s": t_tables,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs")
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
    print(f"peak memory                             {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
