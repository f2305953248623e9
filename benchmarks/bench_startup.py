"""How long does a user wait for a command, whole process (start-up included)?

Times, alternating (a b c d e f a b c d e f ...) so that a busy machine slows every candidate
alike, and prints the medians of the wall time and of the CPU time (user + system, which a
busy machine inflates less), their ratios to the floors measured in the same run, and the
wall seconds against the targets:

  (a) floor: ``python -c pass``             (the interpreter alone)
  (b) floor: ``python -c "import typer"``   (what every command needs, --help included)
  (c) floor: ``python -c "import pandas"``  (what every data command needs)
  (d) ``chatcode --help``                          target <= 0.3 s
  (e) ``chatcode latency corpus.parquet``          target <= 1.0 s (the bundled sample)
  (f) ``chatcode reproduce``                       target <= 5 s

The sample corpus is ingested once and stored as Parquet in the temp folder
(``chatcode-bench``). Every process runs with compiled bytecode cached (in
``chatcode-bench/pycache``, after one untimed round), as an installed chatcode has it, even
where ``PYTHONDONTWRITEBYTECODE`` is set. Usage::

    python benchmarks/bench_startup.py [--repeat 5] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def environment(cache: Path) -> dict[str, str]:
    """This tree's chatcode first on the path; bytecode written once and read after."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "PYTHONPYCACHEPREFIX": str(cache / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


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
        "b": [*py, "-c", "import typer"],
        "c": [*py, "-c", "import pandas"],
        "d": [*chatcode, "--help"],
        "e": [*chatcode, "latency", str(corpus)],
        "f": [*chatcode, "reproduce"],
    }
    env = environment(args.cache)
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for round_ in range(args.repeat + 1):  # round 0 writes the bytecode: not timed
        for key, cmd in commands.items():
            before = _children_cpu()
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, env=env)
            if round_:
                wall[key].append(time.perf_counter() - t0)
                cpu[key].append(_children_cpu() - before)
            if done.returncode != 0:
                sys.exit(f"{' '.join(cmd[1:])} failed:\n{done.stderr.decode()}")
    w = {k: statistics.median(v) for k, v in wall.items()}
    c = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"medians of {args.repeat} alternating runs (whole process, bytecode cached)")
    print(f"{'':38s}  wall s   cpu s   x (b) wall/cpu   x (c) wall/cpu   target (wall)")
    floors = (("a", "floor: python -c pass"), ("b", "floor: python -c 'import typer'"),
              ("c", "floor: python -c 'import pandas'"))
    for key, label in floors:
        print(f"({key}) {label:34s} {w[key]:7.3f} {c[key]:7.3f}")
    rows = (("d", "chatcode --help", 0.3), ("e", "chatcode latency corpus.parquet", 1.0),
            ("f", "chatcode reproduce", 5.0))
    for key, label, target in rows:
        print(f"({key}) {label:34s} {w[key]:7.3f} {c[key]:7.3f}   "
              f"{w[key] / w['b']:5.1f} {c[key] / c['b']:5.1f}      "
              f"{w[key] / w['c']:5.1f} {c[key] / c['c']:5.1f}      "
              f"<= {target} s: {'met' if w[key] <= target else 'MISSED'}")
    return 0


def _children_cpu() -> float:
    """User + system seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
