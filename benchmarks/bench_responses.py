"""Benchmark: responses per post and reply latency on a large synthetic corpus.

Builds a corpus of N posts (default 1,000,000; about 40% replies) and about as many
reactions directly in canonical form (``Corpus.trusted``, so validation is not timed), then
times ``chatcode.engagement.responses``, ``chatcode.latency.latency`` and both together (best
of ``--repeat`` runs), and prints the peak memory of the process (``ru_maxrss``, measured in a
fresh subprocess so the figure belongs to this run only) and the tracemalloc peak of one
responses + latency call.

Run::

    /work/venv/bin/python benchmarks/bench_responses.py            # 1,000,000 posts
    /work/venv/bin/python benchmarks/bench_responses.py --posts 200000 --repeat 5

Target (responses and latency): responses + latency on 1,000,000 posts
in under 2 s with a peak memory under 2 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus

HOUR_NS = 3_600_000_000_000


def make_corpus(n_posts: int, *, seed: int = 1, groups: int = 12, authors: int = 400,
                reply_share: float = 0.4, reactions_per_post: float = 1.0) -> Corpus:
    """A canonical corpus with replies (some to missing parents or other groups, some dated
    before their parent), self-replies, reactions (some without author or timestamp)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("p", np.arange(n_posts).astype(str))
    # posts of the groups interleave; a reply points to an earlier post of its group
    group_of = np.arange(n_posts) % groups
    start = pd.Timestamp("2023-01-01", tz="UTC").value
    ts = start + np.sort(rng.integers(0, 200 * 24 * HOUR_NS, n_posts))
    author_of = rng.integers(0, authors, n_posts)
    is_reply = rng.random(n_posts) < reply_share
    parent = np.arange(n_posts) - groups * rng.integers(1, 20, n_posts)
    is_reply &= parent >= 0
    parent_id = np.where(is_reply, ids[np.maximum(parent, 0)], None)
    parent_id = np.where(is_reply & (rng.random(n_posts) < 0.01), "gone", parent_id)
    moved = rng.random(n_posts) < 0.01  # a few posts filed under another group
    group_of = np.where(moved, rng.integers(0, groups, n_posts), group_of)
    posts = pd.DataFrame({
        S.POST_ID: pd.array(ids, dtype="str"),
        S.GROUP: pd.array(np.char.add("G", group_of.astype(str)), dtype="str"),
        S.TIMESTAMP: pd.to_datetime(ts, utc=True),
        S.AUTHOR: pd.array(np.char.add("user", author_of.astype(str)), dtype="str"),
        S.ROLE: pd.array(np.where(author_of < 5, S.MODERATOR, S.PARTICIPANT), dtype="str"),
        S.TEXT: pd.array(np.full(n_posts, "Hello, how are you?"), dtype="str"),
        S.PARENT_ID: pd.array(parent_id, dtype="str"),
        S.ATTACHMENTS: np.zeros(n_posts, dtype="int64"),
    })
    n_react = int(n_posts * reactions_per_post)
    on = rng.integers(0, n_posts, n_react)
    r_author = np.char.add("user", rng.integers(0, authors, n_react).astype(str)).astype(object)
    r_author[rng.random(n_react) < 0.02] = None
    r_ts = ts[on] + rng.integers(-HOUR_NS, 48 * HOUR_NS, n_react)
    r_time = pd.Series(pd.to_datetime(r_ts, utc=True))
    r_time[rng.random(n_react) < 0.05] = pd.NaT
    reactions = pd.DataFrame({
        S.POST_ID: pd.array(ids[on], dtype="str"),
        S.AUTHOR: pd.array(r_author, dtype="str"),
        S.EMOJI: pd.array(np.full(n_react, "thumbsup"), dtype="str"),
        S.TIMESTAMP: r_time,
    })
    return Corpus.trusted(posts, reactions)


def _time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(n_posts: int, repeat: int) -> dict:
    """Run in a fresh process: build the corpus, time each step, report memory."""
    import warnings

    from chatcode.engagement.latency import latency
    from chatcode.engagement.responses import responses

    warnings.simplefilter("ignore")  # the synthetic corpus has replies before their parent
    t0 = time.perf_counter()
    corpus = make_corpus(n_posts)
    built = time.perf_counter() - t0
    base = _maxrss_mb()
    # A Corpus hashes its ids once and keeps them (Corpus.id_positions): every timed run gets
    # a fresh Corpus object over the same tables, so no run profits from an earlier one.
    def fresh():
        return Corpus.trusted(corpus.posts, corpus.reactions)

    t_resp = _time(lambda: responses(fresh()), repeat)
    t_lat = _time(lambda: latency(fresh(), by="group"), repeat)

    def both():
        c = fresh()
        return responses(c), latency(c, by="group")

    t_both = _time(both, repeat)
    tracemalloc.start()
    both()
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"posts": n_posts, "replies": int(corpus.posts[S.PARENT_ID].notna().sum()),
            "reactions": len(corpus.reactions), "build_s": built, "responses_s": t_resp,
            "latency_s": t_lat, "both_s": t_both, "rss_after_build_mb": base,
            "peak_rss_mb": _maxrss_mb(), "traced_mb": traced}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.posts, args.repeat)))
        return
    proc = subprocess.run([sys.executable, __file__, "--child", "--posts", str(args.posts),
                           "--repeat", str(args.repeat)], capture_output=True, text=True,
                          check=True)
    r = json.loads(proc.stdout)
    print(f"corpus: {r['posts']:,} posts, {r['replies']:,} replies, "
          f"{r['reactions']:,} reactions (built in {r['build_s']:.1f} s)")
    print(f"responses          {r['responses_s']:.3f} s   (best of {args.repeat})")
    print(f"latency by group   {r['latency_s']:.3f} s")
    print(f"both               {r['both_s']:.3f} s   target < 2 s")
    print(f"peak memory        {r['peak_rss_mb']:.0f} MB of the whole process (after building "
          f"the corpus: {r['rss_after_build_mb']:.0f} MB)   target < 2048 MB")
    print(f"  of which numpy/Python allocations of responses + latency: {r['traced_mb']:.0f} MB "
          "(tracemalloc peak; Arrow string buffers are not traced)")


if __name__ == "__main__":
    main()
