"""How fast is ``chatcode.ingest`` on a large Mattermost export, as .xlsx and as .csv?

Generates a channel-export plugin CSV of N posts (a third of them replies), and the same
rows as an .xlsx workbook (written once with openpyxl in write-only mode and cached in
the temp folder, ``chatcode-bench``), then times, in one run:

  (a) python-calamine alone, reading the workbook into Python lists
  (b) pandas.read_excel(engine="openpyxl")
  (c) chatcode.ingest of the .xlsx
  (d) chatcode.ingest of the .csv

and prints the times and the ratios (c)/(a) (target: at most 1.5) and (b)/(c) (target: at
least 5). Usage::

    python benchmarks/bench_ingest.py [--posts 100000] [--repeat 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

HEADER = ["Post Creation Time", "User Id", "User Email", "User Type", "User Name", "Post Id",
          "Parent Post Id", "Post Message", "Post Type"]
WORDS = ["sugar", "insulin", "pump", "sensor", "night", "morning", "walk", "tired", "better",
         "worse", "thanks", "great", "question", "doctor", "carbs", "dinner", "lunch", "low",
         "high", "reading", "week", "feel", "sleep", "help"]
ALPHABET = "abcdefghijkmnopqrstuvwxyz0123456789"


def _id(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(26))


def _message(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(3, 40))]
    text = " ".join(words).capitalize() + rng.choice([".", "?", "!", ", thanks."])
    if rng.random() < 0.1:
        text += '\n"' + rng.choice(WORDS) + '" again'
    return text


def generate_rows(n: int, seed: int = 7) -> list[list[str]]:
    """N plugin-export rows, newest first, a third of them replies to a recent root."""
    rng = random.Random(seed)
    users = [(_id(rng), f"user{i:02d}") for i in range(60)] + [(_id(rng), "reminder-bot")]
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    rows, roots = [], []
    t = start
    for _ in range(n):
        t += dt.timedelta(seconds=rng.randint(1, 900), milliseconds=rng.randint(0, 999))
        uid, name = rng.choice(users)
        post_id = _id(rng)
        parent = rng.choice(roots[-50:]) if roots and rng.random() < 1 / 3 else ""
        if not parent:
            roots.append(post_id)
        stamp = t.strftime("%Y-%m-%d %H:%M:%S") + (
            f".{t.microsecond // 1000:03d}".rstrip("0").rstrip(".")) + " +0000 UTC"
        rows.append([stamp, uid, f"{name}@example.org", "bot" if name.endswith("bot") else
                     "user", name, post_id, parent, _message(rng), "message"])
    rows.reverse()  # the plugin writes the newest post first
    return rows


def write_files(n: int, cache: Path) -> tuple[Path, Path]:
    """The CSV and the workbook of N posts (made once, then reused)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    cache.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = cache / f"plugin_{n}.csv", cache / f"plugin_{n}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        return csv_path, xlsx_path
    rows = generate_rows(n)
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("plugin")
    for values in [HEADER, *rows]:
        cells = []
        for v in values:
            cell = WriteOnlyCell(ws, value=v or None)
            if v:
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    tmp = xlsx_path.with_suffix(".tmp")
    wb.save(tmp)
    tmp.replace(xlsx_path)
    return csv_path, xlsx_path


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "chatcode-bench")
    args = parser.parse_args(argv)

    import pandas as pd
    from python_calamine import CalamineWorkbook

    import chatcode

    t0 = time.perf_counter()
    csv_path, xlsx_path = write_files(args.posts, args.cache)
    print(f"export of {args.posts} posts: {csv_path.name} ({csv_path.stat().st_size / 1e6:.1f} "
          f"MB), {xlsx_path.name} ({xlsx_path.stat().st_size / 1e6:.1f} MB) "
          f"[{time.perf_counter() - t0:.1f} s to make or find]")

    def calamine() -> None:
        CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_index(0).to_python()

    def openpyxl() -> None:
        pd.read_excel(xlsx_path, engine="openpyxl")

    def ingest(path: Path):
        def run() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", chatcode.ChatcodeWarning)
                corpus = chatcode.ingest(path, timezone="UTC")
            assert len(corpus.posts) == args.posts
        return run

    a = best_of(args.repeat, calamine)
    c = best_of(args.repeat, ingest(xlsx_path))
    d = best_of(args.repeat, ingest(csv_path))
    b = best_of(1, openpyxl)
    print(f"(a) python-calamine to lists     {a:8.3f} s")
    print(f"(b) pandas.read_excel(openpyxl)  {b:8.3f} s")
    print(f"(c) chatcode.ingest .xlsx        {c:8.3f} s")
    print(f"(d) chatcode.ingest .csv         {d:8.3f} s")
    ok_ca, ok_bc = c / a <= 1.5, b / c >= 5
    print(f"(c)/(a) = {c / a:.2f}  (target <= 1.5: {'met' if ok_ca else 'MISSED'})")
    print(f"(b)/(c) = {b / c:.2f}  (target >= 5: {'met' if ok_bc else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
