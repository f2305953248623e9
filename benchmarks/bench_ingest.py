"""How fast is ``chatcode.ingest`` on a large Mattermost export, as .xlsx and as .csv?

Generates a channel-export plugin CSV of N posts (a third of them replies), and the same
rows as an .xlsx workbook (written once with openpyxl in write-only mode and cached in
the temp folder, ``chatcode-bench``), then times, in one run, alternating (a b c d a b c d
...) so that a busy machine slows every candidate alike, and prints the medians:

  (a) floor: python-calamine alone, reading the workbook into Python lists
  (b) floor: pyarrow.csv.read_csv of the CSV (every column as text, line breaks in values)
  (c) chatcode.ingest of the .xlsx
  (d) chatcode.ingest of the .csv

and the ratios (c)/(a) (target: at most 1.5) and (d)/(b) (target: at most 2). It also times

  (e) floor: the least an ingest of the CSV must do, written by hand with pyarrow and numpy:
      the pyarrow.csv read of (b), the Go times to UTC nanoseconds, the check that no post
      id repeats, the posts put oldest first, the position of every reply's parent and the
      authors as codes (no messages, notes, roles, text checks or report)

and checks that its times and parent positions equal chatcode's, so that (d)/(e) says how
far chatcode is from that least work and (e)/(b) how much of the target the least work
takes by itself. With ``--openpyxl`` it also times pandas.read_excel(engine="openpyxl")
once (minutes). Usage::

    python benchmarks/bench_ingest.py [--posts 100000] [--repeat 5] [--cache DIR]
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

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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


def least_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Floor (e): the posts' UTC nanoseconds, oldest first, and each reply's parent
    position, by the least work (see the module's docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                           convert_options=pacsv.ConvertOptions(
                               column_types=dict.fromkeys(HEADER, pa.string()),
                               strings_can_be_null=True)).combine_chunks()
    created = table.column("Post Creation Time").chunk(0)
    # date and time by Arrow's ISO 8601 parser; fraction and offset by byte position
    seconds = pc.cast(pc.utf8_slice_codeunits(created, 0, 19), pa.timestamp("s"))
    seconds = np.asarray(seconds.cast(pa.int64()))
    offsets = np.frombuffer(created.buffers()[1], dtype=np.int32)[:len(created) + 1]
    data = np.concatenate([np.frombuffer(created.buffers()[2], dtype=np.uint8),
                           np.zeros(40, np.uint8)])
    tail = sliding_window_view(data, 17)[offsets[:-1] + 19]  # ".999999999 -0700"
    digits = tail[:, 1:10].astype(np.int64) - 48
    width = np.where(tail[:, 0] == ord("."), np.argmax((digits < 0) | (digits > 9), axis=1), 0)
    digits[np.arange(9) >= width[:, None]] = 0
    nanos = digits @ (10 ** np.arange(8, -1, -1))
    at = np.where(width > 0, 2 + width, 1)  # the offset's sign, in the tail
    rows = np.arange(len(tail))
    zone = tail[rows[:, None], at[:, None] + np.arange(5)].astype(np.int64) - 48
    east = (zone[:, 1] * 10 + zone[:, 2]) * 3600 + (zone[:, 3] * 10 + zone[:, 4]) * 60
    east = np.where(zone[:, 0] == ord("-") - 48, -east, east)
    times = (seconds - east) * 1_000_000_000 + nanos
    ids = table.column("Post Id")
    if len(pc.unique(ids)) != len(ids):
        raise ValueError("a post id repeats")
    order = (np.arange(len(times))[::-1] if (np.diff(times) <= 0).all()
             else np.lexsort((-np.arange(len(times)), times)))
    table = table.take(pa.array(order))
    ids, parents = table.column("Post Id"), table.column("Parent Post Id")
    replies = pc.drop_null(pc.if_else(pc.equal(parents, ""), None, parents))
    wanted = pc.unique(replies)
    at = np.asarray(pc.fill_null(pc.index_in(ids, value_set=wanted), -1))
    first = np.full(len(wanted), -1)
    found = np.flatnonzero(at >= 0)
    first[at[found]] = found
    pc.dictionary_encode(table.column("User Name"))  # the authors as codes
    return times[order], first[np.asarray(pc.index_in(replies, value_set=wanted))]


def medians(repeat: int, candidates: dict[str, object]) -> dict[str, float]:
    """Run the candidates in turn ``repeat`` times (alternating); the median time of each."""
    import statistics

    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5,
                        help="alternating runs of each; the median is shown")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "chatcode-bench")
    parser.add_argument("--openpyxl", action="store_true",
                        help="also time pandas.read_excel with openpyxl once (slow)")
    args = parser.parse_args(argv)

    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from python_calamine import CalamineWorkbook

    import chatcode

    t0 = time.perf_counter()
    csv_path, xlsx_path = write_files(args.posts, args.cache)
    print(f"export of {args.posts} posts: {csv_path.name} ({csv_path.stat().st_size / 1e6:.1f} "
          f"MB), {xlsx_path.name} ({xlsx_path.stat().st_size / 1e6:.1f} MB) "
          f"[{time.perf_counter() - t0:.1f} s to make or find]")

    def calamine() -> None:
        CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_index(0).to_python()

    def arrow_csv() -> None:
        pacsv.read_csv(csv_path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                       convert_options=pacsv.ConvertOptions(
                           column_types=dict.fromkeys(HEADER, pa.string())))

    def ingest(path: Path):
        def run() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", chatcode.ChatcodeWarning)
                corpus = chatcode.ingest(path, timezone="UTC")
            assert len(corpus.posts) == args.posts
        return run

    ingest(csv_path)()  # imports and caches warm, as in a long session
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", chatcode.ChatcodeWarning)
        corpus = chatcode.ingest(csv_path, timezone="UTC")
    times, parents = least_csv(csv_path)
    same = (times.tolist() == corpus.posts["timestamp"].array.asi8.tolist()
            and parents.tolist() == corpus.id_positions[0].tolist())
    m = medians(args.repeat, {"a": calamine, "b": arrow_csv, "c": ingest(xlsx_path),
                              "d": ingest(csv_path), "e": lambda: least_csv(csv_path)})
    print(f"medians of {args.repeat} alternating runs:")
    print(f"(a) floor: python-calamine to lists  {m['a']:8.3f} s")
    print(f"(b) floor: pyarrow.csv read          {m['b']:8.3f} s")
    print(f"(c) chatcode.ingest .xlsx            {m['c']:8.3f} s")
    print(f"(d) chatcode.ingest .csv             {m['d']:8.3f} s")
    print(f"(e) floor: least ingest of the .csv  {m['e']:8.3f} s  same times and parents as "
          f"(d): {'yes' if same else 'NO'}")
    ok_ca, ok_db = m["c"] / m["a"] <= 1.5, m["d"] / m["b"] <= 2
    print(f"(c)/(a) = {m['c'] / m['a']:.2f}  (target <= 1.5: {'met' if ok_ca else 'MISSED'})")
    print(f"(d)/(b) = {m['d'] / m['b']:.2f}  (target <= 2: {'met' if ok_db else 'MISSED'})")
    print(f"(d)/(e) = {m['d'] / m['e']:.2f}  (e)/(b) = {m['e'] / m['b']:.2f}")
    if args.openpyxl:
        t0 = time.perf_counter()
        pd.read_excel(xlsx_path, engine="openpyxl")
        t = time.perf_counter() - t0
        print(f"pandas.read_excel(openpyxl) {t:.3f} s = {t / m['c']:.1f} x chatcode.ingest .xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
