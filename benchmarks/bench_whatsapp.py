"""How fast does chatcode read a large WhatsApp export, side by side with whatstk?

Generates a WhatsApp Android export (``dd/mm/yy, HH:MM - Name: text``) of N lines (default
1,000,000; about 5 % of the messages run over two lines), cached in the temp folder
(``chatcode-bench``), then times, in one run and on the same file:

  (a) whatstk: ``whatstk.WhatsAppChat.from_source(filepath=...)`` (header auto-detected)
  (b) chatcode: ``chatcode.ingest(path, format="whatsapp")`` (the whole ingest: parse,
      classify, ids, validation)

and prints both times (best of --repeat runs) and the ratio (a)/(b) (target: at least 3).
whatstk is not a chatcode dependency; install it for the benchmark only
(``pip install whatstk``). Usage::

    python benchmarks/bench_whatsapp.py [--lines 1000000] [--repeat 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

NAMES = ["Anna Berg", "Ben", "Cleo Martin", "+49 151 2345678", "Dora", "Emil K.", "Fatma",
         "Gus", "Hanna Schulz", "Ivo"]
WORDS = ["sugar", "insulin", "pump", "sensor", "night", "morning", "walk", "tired", "better",
         "worse", "thanks", "great", "question", "doctor", "carbs", "dinner", "lunch", "low",
         "high", "reading", "week", "feel", "sleep", "help"]


def generate(path: Path, n_lines: int, seed: int = 7) -> None:
    """Write an Android-layout export of ``n_lines`` lines (messages and continuation lines)."""
    rng = random.Random(seed)
    t = dt.datetime(2021, 1, 1, 8, 0)
    out: list[str] = []
    while len(out) < n_lines:
        t += dt.timedelta(seconds=rng.randint(1, 600))
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 25)))
        out.append(f"{t:%d/%m/%y}, {t:%H:%M} - {rng.choice(NAMES)}: {words.capitalize()}")
        if rng.random() < 0.05 and len(out) < n_lines:
            out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 10))))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) /
                        "chatcode-bench")
    args = parser.parse_args(argv)
    try:
        from whatstk import WhatsAppChat
    except ImportError:
        print("whatstk is not installed: it is needed only for this benchmark.\n"
              "Install it with:  pip install whatstk", file=sys.stderr)
        return 1
    import chatcode

    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"whatsapp_{args.lines}.txt"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(path, args.lines)
    size = path.stat().st_size / 1e6
    print(f"file: {path} ({args.lines:,} lines, {size:.1f} MB)")

    def run_chatcode():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return chatcode.ingest(path, format="whatsapp", timezone="UTC")

    def run_whatstk():
        return WhatsAppChat.from_source(filepath=str(path), max_size=None)

    t_wk, chat = best(run_whatstk, args.repeat)
    t_cc, corpus = best(run_chatcode, args.repeat)
    print(f"(a) whatstk   {t_wk:8.2f} s  {len(chat.df):,} messages")
    print(f"(b) chatcode  {t_cc:8.2f} s  {len(corpus.posts):,} posts")
    ratio = t_wk / t_cc
    print(f"ratio (a)/(b) = {ratio:.1f}x  (target: at least 3x) -> "
          f"{'met' if ratio >= 3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
