"""How long does a user wait for a command, whole process (start-up included)?

Times, alternating (a b c d e a b c d e ...) so that a busy machine slows every candidate
alike, and prints the medians and the ratios to the floor measured in the same run:

  (a) floor: ``python -c pass`` (the interpreter alone)
  (b) floor: ``python -c "import pandas"`` (what every data command needs)
  (c) ``chatcode --help``                           target <= 0.3 s
  (d) ``chatcode latency corpus.parquet``           target <= 1.0 s (the bundled sample)
  (e) ``chatcode reproduce``                        target <= 5 s

The sample corpus is ingested once and stored as Parquet in the temp folder
(``chatcode-bench``). Usage::

    python benchmarks/bench_startup.py [--repeat 5] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def sample_parquet(cache: Path) -> Path:
    """The bundled DiabPeerS sample's corpus as a Parquet folder (made once)."""
    import chatcode

    path = cache / "diabpeers-corpus.parquet"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", chatcode.ChatcodeWarning)
            corpus, _, _ = chatcode.load_sample()
        chatcode.write_corpus(corpus, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5,
                        help="alternating runs of each; the median is shown")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "chatcode-bench")
    args = parser.parse_args(argv)
    corpus = sample_parquet(args.cache)
    py = [sys.executable]
    chatcode = [*py, "-m", "chatcode"]
    commands = {
        "a": [*py, "-c", "pass"],
        "b": [*py, "-c", "import pandas"],
        "c": [*chatcode, "--help"],
        "d": [*chatcode, "latency", str(corpus)],
        "e": [*chatcode, "reproduce"],
    }
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.repeat):
        for key, cmd in commands.items():
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, env=env)
            times[key].append(time.perf_counter() - t0)
            if done.returncode != 0:
                sys.exit(f"{' '.join(cmd[1:])} failed:\n{done.stderr.decode()}")
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"medians of {args.repeat} alternating runs (whole process):")
    print(f"(a) floor: python -c pass              {m['a']:7.3f} s")
    print(f"(b) floor: python -c 'import pandas'   {m['b']:7.3f} s")
    rows = (("c", "chatcode --help", 0.3), ("d", "chatcode latency corpus.parquet", 1.0),
            ("e", "chatcode reproduce", 5.0))
    for key, label, target in rows:
        print(f"({key}) {label:34s} {m[key]:7.3f} s  = {m[key] / m['a']:5.1f} x (a), "
              f"{m[key] / m['b']:4.1f} x (b)   target <= {target} s: "
              f"{'met' if m[key] <= target else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
