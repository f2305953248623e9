"""Benchmark: responses, latency and every engagement table as the corpus grows.

For each size (default 1, 2 and 5 million posts; ``--max 20000000`` adds 10 and 20
million), a fresh process builds a corpus of N posts (about 40% replies, N reactions) and a
complete codes table of one coder (N posts x 20 codes, held compactly: categorical text
columns and int8 values), then times

- ``responses``: responses per post;
- ``latency``: reply latency overall and by group;
- ``tables``: ``coded_posts`` (join, checks, responses) and ``build_tables`` (all 8 tables);

and prints seconds, seconds and CPU seconds per million posts (CPU time says more about
linearity on a busy machine), and the peak memory of the process
(``ru_maxrss``, input included) in total and per million posts. Time and memory should grow
linearly with N; the 20 million posts should stay within 16 GB.

Run::

    /work/venv/bin/python benchmarks/bench_scale.py                    # 1M, 2M, 5M posts
    /work/venv/bin/python benchmarks/bench_scale.py --max 20000000     # ... 10M, 20M
    /work/venv/bin/python benchmarks/bench_scale.py --sizes 100000,200000

One size at a time (the 20 million posts need about 13 GB); don't run two at once.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SIZES = (1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000)
LIMIT_MB = 16 * 1024


def _rss_mb() -> float:
    """The resident memory of this process now, in MB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def child(n: int) -> dict:
    import warnings

    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_tables import make_codebook, make_codes, make_corpus

    from chatcode.corpus.corpus import Corpus
    from chatcode.engagement.latency import latency
    from chatcode.engagement.responses import responses
    from chatcode.tables.layouts import build_tables, coded_posts, table_specs

    warnings.simplefilter("ignore")
    codebook = make_codebook()
    small = np.random.default_rng(0)  # warm up: imports and first calls are not timed
    tiny = make_corpus(2_000, small)
    latency(tiny, by="group")
    build_tables(coded_posts(tiny, make_codes(2_000, codebook, small, compact=True),
                             codebook))
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    corpus = make_corpus(n, rng)
    codes = make_codes(n, codebook, rng, compact=True)
    built, input_mb = time.perf_counter() - t0, _rss_mb()
    out = {"posts": n, "build_s": built, "input_mb": input_mb}
    fresh = Corpus.trusted(corpus.posts, corpus.reactions)  # cold id positions
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    responses(fresh)
    out["responses_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    latency(fresh, by="group")
    out["latency_s"] = time.perf_counter() - t0
    ids = [t.id for t in table_specs(codebook)]
    t0 = time.perf_counter()
    coded = coded_posts(Corpus.trusted(corpus.posts, corpus.reactions), codes, codebook)
    out["coded_posts_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = build_tables(coded, tables=ids)
    out["build_tables_s"] = time.perf_counter() - t0
    out["tables"] = len(tables)
    out["cpu_s"] = time.process_time() - cpu0  # less sensitive to a busy machine
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max", type=int, default=5_000_000, help="largest size (posts)")
    ap.add_argument("--sizes", help="comma-separated sizes instead of the default ladder")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [s for s in SIZES if s <= args.max])
    print(f"{'posts':>11} {'responses':>10} {'latency':>8} {'tables':>8} {'total s':>8} "
          f"{'s / M':>6} {'CPU s / M':>9} {'input MB':>9} {'peak MB':>8} {'MB / M':>7}")
    rows = []
    for n in sizes:
        proc = subprocess.run([sys.executable, __file__, "--child", str(n)],
                              capture_output=True, text=True)
        if proc.returncode:
            print(f"{n:>11,} failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
            continue
        r = json.loads(proc.stdout)
        tables = r["coded_posts_s"] + r["build_tables_s"]
        total = r["responses_s"] + r["latency_s"] + tables
        m = n / 1e6
        rows.append((n, r["cpu_s"] / m, r["peak_mb"] / m, r["peak_mb"]))
        print(f"{n:>11,} {r['responses_s']:>10.2f} {r['latency_s']:>8.2f} {tables:>8.2f} "
              f"{total:>8.2f} {total / m:>6.2f} {r['cpu_s'] / m:>9.2f} "
              f"{r['input_mb']:>9.0f} {r['peak_mb']:>8.0f} {r['peak_mb'] / m:>7.0f}", flush=True)
    if len(rows) > 1:
        (n0, s0, mb0, _), (n1, s1, mb1, peak) = rows[0], rows[-1]
        print(f"from {n0:,} to {n1:,} posts: CPU seconds per million x{s1 / s0:.2f}, "
              f"MB per million x{mb1 / mb0:.2f} (1.00 = linear)")
    big = [r for r in rows if r[0] >= 20_000_000]
    for n, _, _, peak in big:
        print(f"{n:,} posts: peak {peak / 1024:.1f} GB, "
              f"{'within' if peak <= LIMIT_MB else 'OVER'} the 16 GB limit")


if __name__ == "__main__":
    main()
