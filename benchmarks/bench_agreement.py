"""Benchmark: every agreement coefficient for many codes and posts.

Builds a codes table of ``--codes`` binary codes (one multiple-choice dimension) plus one
single-choice dimension of 4 codes, coded by ``--coders`` coders on ``--posts`` posts (the
default 20 codes x 100,000 posts x 2 coders is 4.4 million rows), and times
``chatcode.reliability.agreement`` on it (the pivot of the long table included, building the
table not). Prints the best of ``--repeat`` runs and the peak memory of the process.

Run::

    /work/venv/bin/python benchmarks/bench_agreement.py
    /work/venv/bin/python benchmarks/bench_agreement.py --posts 2000 --bootstrap 1000

Target ("Reliability" issue): 20 codes x 100,000 posts in under 5 s without bootstrap on
the 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from chatcode.codebook import codebook_from_dict
from chatcode.corpus import schema as S
from chatcode.reliability.agreement import agreement


def make_codebook(n_codes: int):
    return codebook_from_dict({
        "name": "bench", "version": "1",
        "dimensions": [
            {"id": "support", "label": "Support", "multiple": True,
             "codes": [{"id": f"c{i}", "label": f"Code {i}", "definition": "."}
                       for i in range(n_codes)]},
            {"id": "topic", "label": "Topic", "multiple": False,
             "codes": [{"id": f"t{i}", "label": f"Topic {i}", "definition": "."}
                       for i in range(4)]}]})


def make_codes(codebook, n_posts: int, n_coders: int, *, seed: int = 1) -> pd.DataFrame:
    """Coders who agree on about 85% of decisions; code prevalences from 0.2% to 40%."""
    rng = np.random.default_rng(seed)
    support = codebook.dimension("support").code_ids
    prevalence = np.geomspace(0.002, 0.4, len(support))
    truth = rng.random((n_posts, len(support))) < prevalence
    topic = rng.integers(0, 5, n_posts)                # 4 = none
    frames = []
    posts = np.char.add("p", np.arange(n_posts).astype(str))
    for c in range(n_coders):
        flip = rng.random(truth.shape) < 0.05
        own = (truth ^ flip).astype(np.int8)
        own_topic = np.where(rng.random(n_posts) < 0.1, rng.integers(0, 5, n_posts), topic)
        values = np.concatenate([own, (own_topic[:, None] == np.arange(4)).astype(np.int8)],
                                axis=1)
        codes = list(support) + list(codebook.dimension("topic").code_ids)
        dims = ["support"] * len(support) + ["topic"] * 4
        frames.append(pd.DataFrame({
            S.POST_ID: pd.array(np.repeat(posts, len(codes)), dtype="str"),
            S.CODER: f"coder{c}", S.PASS: "main",
            S.DIMENSION: pd.array(np.tile(dims, n_posts), dtype="str"),
            S.CODE: pd.array(np.tile(codes, n_posts), dtype="str"),
            S.VALUE: values.ravel()}))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--coders", type=int, default=2)
    parser.add_argument("--bootstrap", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    codebook = make_codebook(args.codes)
    codes = make_codes(codebook, args.posts, args.coders)
    print(f"codes table: {len(codes):,} rows ({args.codes} + 4 codes x {args.posts:,} posts "
          f"x {args.coders} coders), bootstrap {args.bootstrap}")
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = agreement(codes, codebook, bootstrap=args.bootstrap, seed=1)
        best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"agreement: {best:.2f} s (best of {args.repeat}); {result.n_units:,} units; "
          f"peak memory {peak:,.0f} MB")
    print(f"target: under 5 s without bootstrap -> {'met' if best < 5 else 'MISSED'}"
          if not args.bootstrap else "")


if __name__ == "__main__":
    main()
